#!/usr/bin/python3
"""FAISS's own Python binding on the same files as `shortlist ann`: builds an index, or times
single-query searches of a FAISS index file on one OpenMP thread (the reference for the QPS of
Shortlist's JNI binding).

  faiss_python.py build  --factory HNSW32 --base base.fvecs --metric l2 --out index.faiss
  faiss_python.py search --index index.faiss --queries queries.fvecs --k 10 [--ef 64 | --nprobe 16]
                         [--truth truth.ivecs] [--warmup 200] [--repeat 1]

Vectors: .fvecs or .npy (float32). Prints one line per search run:
  python-faiss <setting> recall <r> qps <q> p50_ms <p>
Run it with Debian's /usr/bin/python3 (python3-faiss).
"""
import argparse
import sys
import time

import faiss
import numpy as np


def read_vectors(path):
    if path.endswith(".npy"):
        return np.ascontiguousarray(np.load(path).astype("float32"))
    raw = np.fromfile(path, dtype="<i4")
    d = int(raw[0])
    return np.ascontiguousarray(raw.reshape(-1, d + 1)[:, 1:].view("<f4"))


def read_ints(path):
    raw = np.fromfile(path, dtype="<i4")
    d = int(raw[0])
    return raw.reshape(-1, d + 1)[:, 1:]


def build(args):
    x = read_vectors(args.base)
    metric = faiss.METRIC_L2 if args.metric == "l2" else faiss.METRIC_INNER_PRODUCT
    if args.metric == "cosine":
        faiss.normalize_L2(x)
    index = faiss.index_factory(x.shape[1], args.factory, metric)
    start = time.time()
    index.train(x)
    index.add(x)
    faiss.write_index(index, args.out)
    print(f"built {args.factory} over {x.shape[0]} x {x.shape[1]} in {time.time() - start:.1f} s: {args.out}")


def search(args):
    faiss.omp_set_num_threads(1)
    index = faiss.read_index(args.index)
    q = read_vectors(args.queries)
    if args.metric == "cosine":
        faiss.normalize_L2(q)
    setting = "-"
    inner = faiss.downcast_index(index.index) if hasattr(index, "id_map") else index
    if args.ef:
        inner.hnsw.efSearch = args.ef
        setting = f"ef={args.ef}"
    ivf = faiss.try_extract_index_ivf(index)
    if args.nprobe:
        ivf.nprobe = args.nprobe
        setting = f"nprobe={args.nprobe}"
    k = args.k
    for i in range(min(args.warmup, len(q))):
        index.search(q[i:i + 1], k)
    for _ in range(args.repeat):
        found = np.empty((len(q), k), dtype="int64")
        times = np.empty(len(q))
        start = time.perf_counter()
        for i in range(len(q)):
            t = time.perf_counter()
            _, ids = index.search(q[i:i + 1], k)
            times[i] = time.perf_counter() - t
            found[i] = ids[0]
        wall = time.perf_counter() - start
        recall = float("nan")
        if args.truth:
            truth = read_ints(args.truth)[:, :k]
            recall = np.mean([len(set(found[i]) & set(truth[i])) / k for i in range(len(q))])
        print(f"python-faiss {setting} recall {recall:.4f} qps {len(q) / wall:.0f} "
              f"p50_ms {np.median(times) * 1e3:.3f}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--factory", required=True)
    b.add_argument("--base", required=True)
    b.add_argument("--metric", default="l2", choices=["l2", "dot", "cosine"])
    b.add_argument("--out", required=True)
    s = sub.add_parser("search")
    s.add_argument("--index", required=True)
    s.add_argument("--queries", required=True)
    s.add_argument("--metric", default="l2", choices=["l2", "dot", "cosine"])
    s.add_argument("--k", type=int, default=10)
    s.add_argument("--ef", type=int)
    s.add_argument("--nprobe", type=int)
    s.add_argument("--truth")
    s.add_argument("--warmup", type=int, default=200)
    s.add_argument("--repeat", type=int, default=1)
    args = p.parse_args()
    build(args) if args.command == "build" else search(args)


if __name__ == "__main__":
    sys.exit(main())
