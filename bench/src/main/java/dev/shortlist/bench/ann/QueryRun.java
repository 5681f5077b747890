package dev.shortlist.bench.ann;

import dev.shortlist.retrieval.Neighbors;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs every query through one searcher and measures it: latency per query (System.nanoTime
 * around each search), throughput (queries / wall time), recall against the ground truth.
 */
final class QueryRun {

  /** What one run measured. Latencies in milliseconds. */
  record Measurement(double recall, double p50Ms, double p99Ms, double qps) {}

  private QueryRun() {}

  /**
   * Warms up with {@code warmup} queries (cycling through them; not measured), then runs every
   * query once, split over {@code threads} threads, and measures.
   *
   * @param truth true neighbour ids, {@code truthColumns} per query; the first {@code k} count
   */
  static Measurement run(
      BenchIndex.Searcher searcher, float[][] queries, int[] truth, int truthColumns, int k,
      int warmup, int threads) {
    for (int i = 0; i < warmup; i++) {
      searcher.search(queries[i % queries.length]);
    }
    int n = queries.length;
    long[] latencies = new long[n];
    Neighbors[] results = new Neighbors[n];
    long wall;
    if (threads == 1) {
      long start = System.nanoTime();
      for (int q = 0; q < n; q++) {
        long s = System.nanoTime();
        results[q] = searcher.search(queries[q]);
        latencies[q] = System.nanoTime() - s;
      }
      wall = System.nanoTime() - start;
    } else {
      wall = runThreads(searcher, queries, threads, latencies, results);
    }
    Arrays.sort(latencies);
    return new Measurement(
        recall(results, truth, truthColumns, k),
        percentile(latencies, 0.50) / 1e6,
        percentile(latencies, 0.99) / 1e6,
        n / (Math.max(wall, 1) / 1e9));
  }

  private static long runThreads(
      BenchIndex.Searcher searcher, float[][] queries, int threads, long[] latencies,
      Neighbors[] results) {
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable worker =
        () -> {
          int q;
          try {
            while ((q = next.getAndIncrement()) < queries.length) {
              long s = System.nanoTime();
              results[q] = searcher.search(queries[q]);
              latencies[q] = System.nanoTime() - s;
            }
          } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
            next.set(queries.length);
          }
        };
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      workers[t] = Thread.ofPlatform().name("shortlist-ann-query-" + t).unstarted(worker);
    }
    long start = System.nanoTime();
    for (Thread w : workers) {
      w.start();
    }
    for (Thread w : workers) {
      try {
        w.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while querying", e);
      }
    }
    long wall = System.nanoTime() - start;
    Throwable t = failure.get();
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return wall;
  }

  /** Mean over queries of |returned ∩ true top-k| / k. */
  static double recall(Neighbors[] results, int[] truth, int truthColumns, int k) {
    double sum = 0;
    int[] expected = new int[k];
    for (int q = 0; q < results.length; q++) {
      System.arraycopy(truth, q * truthColumns, expected, 0, k);
      Arrays.sort(expected);
      Neighbors got = results[q];
      int hits = 0;
      for (int i = 0; i < got.size(); i++) {
        long id = got.id(i);
        if (id >= Integer.MIN_VALUE && id <= Integer.MAX_VALUE
            && Arrays.binarySearch(expected, (int) id) >= 0) {
          hits++;
        }
      }
      sum += (double) Math.min(hits, k) / k;
    }
    return results.length == 0 ? 0 : sum / results.length;
  }

  /** Nearest-rank percentile of sorted values. */
  static long percentile(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
