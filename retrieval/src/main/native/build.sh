#!/usr/bin/env bash
# Builds libshortlist_faiss.so, the JNI binding of FaissIndex, when the toolchain is present.
# Called by the retrieval module's Maven build (process-classes); never fails the build for a
# missing toolchain: it says what is missing, and FaissIndex then reports the same at run time.
#
#   build.sh OUTPUT_SO JNI_HEADER_DIR JAVA_HOME SKIP
#
# SKIP=true (-Dshortlist.faiss.skipNative=true) builds nothing, to check the build and the tests
# without the native library. FAISS_INCLUDE and FAISS_LIB override where the FAISS headers and the
# static libfaiss.a are looked up; CXX overrides the compiler.
set -euo pipefail
out=$1 headers=$2 java_home=$3 skip=${4:-false}
src="$(cd "$(dirname "$0")" && pwd)/faiss_jni.cpp"

say() { echo "[shortlist-faiss] $*"; }
if [ "$skip" = "true" ]; then
  say "native FAISS library not built: -Dshortlist.faiss.skipNative=true"
  rm -f "$out"
  exit 0
fi
if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  say "native FAISS library not built: it is built on linux-x86_64 only, this is $(uname -s)-$(uname -m)"
  exit 0
fi
cxx=${CXX:-g++}
include=${FAISS_INCLUDE:-/usr/include}
lib=${FAISS_LIB:-}
if [ -z "$lib" ]; then
  for candidate in /usr/lib/x86_64-linux-gnu/libfaiss.a /usr/local/lib/libfaiss.a /usr/lib/libfaiss.a; do
    if [ -f "$candidate" ]; then lib=$candidate; break; fi
  done
fi
missing=()
command -v "$cxx" >/dev/null 2>&1 || missing+=("a C++ compiler ($cxx)")
[ -f "$include/faiss/Index.h" ] || missing+=("the FAISS headers ($include/faiss/Index.h)")
[ -n "$lib" ] && [ -f "$lib" ] || missing+=("the static FAISS library (libfaiss.a)")
case "$("$cxx" -print-file-name=libopenblas.so 2>/dev/null)" in
  /*) ;;
  *) missing+=("OpenBLAS (libopenblas.so)") ;;
esac
[ -f "$java_home/include/jni.h" ] || missing+=("the JDK's jni.h ($java_home/include/jni.h)")
if [ ${#missing[@]} -gt 0 ]; then
  say "native FAISS library not built: missing $(IFS=,; echo "${missing[*]}")."
  say "install them (Debian/Ubuntu: apt-get install g++ libfaiss-dev libopenblas-dev) and rebuild; FAISS tests are skipped meanwhile."
  exit 0
fi
# Rebuild only when the inputs changed (javac -h rewrites the JNI header on every compile, so
# content, not time stamps, decides).
stamp="$headers/.libshortlist_faiss.inputs"
inputs=$(cat "$src" "$0" "$headers"/*.h 2>/dev/null | cksum; ls -l --time-style=+%s "$lib" | awk '{print $5, $6}'; echo "$cxx $include")
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]; then
  say "native FAISS library up to date: $out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
say "compiling $out against $lib"
# -fopenmp: FAISS uses OpenMP (libgomp); OpenBLAS provides BLAS and LAPACK. FAISS's own symbols
# stay hidden inside the library; --no-undefined makes a missing dependency a build error.
"$cxx" -std=c++17 -O2 -DNDEBUG -fPIC -shared -fopenmp -Wall \
  -I"$headers" -I"$java_home/include" -I"$java_home/include/linux" -I"$include" \
  "$src" "$lib" -lopenblas \
  -Wl,--no-undefined -Wl,--exclude-libs,ALL -Wl,-z,noexecstack -Wl,-soname,libshortlist_faiss.so \
  -o "$out.tmp"
mv "$out.tmp" "$out"
echo "$inputs" > "$stamp"
say "built $out ($(du -k "$out" | cut -f1) KiB)"
