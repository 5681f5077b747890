#!/usr/bin/env bash
# QPS of FAISS through Shortlist's JNI binding against FAISS's own Python binding, same index file,
# same queries, same settings, one query at a time on one thread, both sides interleaved in one
# run (the machine may be shared: compare the ratios, not the absolute figures).
#
#   bench/scripts/faiss-vs-python.sh [DATA_DIR] [ROUNDS]
#
# Generates 100,000 × 128 clustered vectors with `shortlist vectors` (if DATA_DIR has none), builds
# HNSW32 and IVF1024,Flat once with Python's faiss, then per round runs Python's search loop and
# `shortlist ann --load-index` on each, and prints the JNI/Python QPS ratio per round.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data=${1:-$root/bench/target/faiss-vs-python}
rounds=${2:-3}
py=/usr/bin/python3
script="$root/bench/scripts/faiss_python.py"
mkdir -p "$data"
if [ ! -f "$data/base.fvecs" ]; then
  "$root/shortlist" vectors --n 100000 --dim 128 --clusters 100 --queries 2000 --truth-k 10 \
    --metric l2 --seed 42 --out "$data"
fi
for f in HNSW32 IVF1024,Flat; do
  file="$data/$(echo "$f" | tr ',' '_').faiss"
  [ -f "$file" ] || "$py" "$script" build --factory "$f" --base "$data/base.fvecs" --metric l2 --out "$file"
done
run() { # factory option value
  local f=$1 opt=$2 val=$3 file py_qps jni_qps
  file="$data/$(echo "$f" | tr ',' '_').faiss"
  py_qps=$("$py" "$script" search --index "$file" --queries "$data/queries.fvecs" --truth "$data/truth.ivecs" \
    --k 10 "--$opt" "$val" | tee /dev/stderr | awk '{print $6}')
  jni_qps=$("$root/shortlist" ann --base "$data/base.fvecs" --queries "$data/queries.fvecs" \
    --truth "$data/truth.ivecs" --metric l2 --k 10 --index "faiss:$f" --load-index "$file" \
    "--$opt" "$val" --threads 1 --warmup 200 | tee /dev/stderr | awk '/ QPS$/ {gsub(",", "", $(NF-1)); print $(NF-1)}')
  awk -v f="$f" -v o="$opt=$val" -v p="$py_qps" -v j="$jni_qps" \
    'BEGIN {printf "RATIO %-14s %-10s python %6d QPS   jni %6d QPS   jni/python %.2f\n", f, o, p, j, j / p}'
}
out=$(mktemp)
for r in $(seq 1 "$rounds"); do
  echo "== round $r"
  run HNSW32 ef 64
  run IVF1024,Flat nprobe 16
done 2>/dev/null | grep -E "^RATIO|^== " | tee "$out"
# The median ratio per index over the rounds.
grep '^RATIO' "$out" | awk '{print $2, $NF}' | sort -k1,1 -k2,2n | awk '
  { v[$1] = v[$1] " " $2; n[$1]++ }
  END { for (f in v) { split(substr(v[f], 2), a, " "); m = n[f]; med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2;
        printf "MEDIAN %-14s jni/python %.2f over %d rounds\n", f, med, m } }'
rm -f "$out"
