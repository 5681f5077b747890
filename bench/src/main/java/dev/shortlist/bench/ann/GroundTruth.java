package dev.shortlist.bench.ann;

import dev.shortlist.bench.cli.Progress;
import dev.shortlist.retrieval.ExactIndex;
import dev.shortlist.retrieval.Metric;
import dev.shortlist.retrieval.Neighbors;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** The exact nearest neighbours of queries: the reference recall is measured against. */
final class GroundTruth {

  private GroundTruth() {}

  /**
   * The ids (row numbers of {@code base}) of the {@code k} nearest base vectors of every query,
   * best first (ties by the smaller id), as {@code queries.length × k} ints row after row;
   * computed with {@link ExactIndex} by {@code threads} threads, with progress on {@code out}.
   *
   * @throws IllegalArgumentException if {@code k} exceeds the base size, or a vector is refused
   *     by the index (e.g. a zero vector under cosine)
   */
  static int[] compute(
      VectorData base, Metric metric, float[][] queries, int k, int threads, PrintWriter out) {
    if (k > base.rows()) {
      throw new IllegalArgumentException("k " + k + " exceeds the " + base.rows() + " base vectors");
    }
    ExactIndex index = ExactIndex.create(base.dimension(), metric);
    Progress p = new Progress("indexing for ground truth", base.rows(), out);
    float[] row = new float[base.dimension()];
    for (int i = 0; i < base.rows(); i++) {
      System.arraycopy(base.values(), i * base.dimension(), row, 0, row.length);
      index.upsert(i, row);
      if ((i & 16383) == 16383) {
        p.update(i + 1);
      }
    }
    p.done();

    int[] truth = new int[Math.multiplyExact(queries.length, k)];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Runnable worker =
        () -> {
          int q;
          while (failure.get() == null && (q = next.getAndIncrement()) < queries.length) {
            try {
              Neighbors n = index.search(queries[q], k);
              for (int j = 0; j < k; j++) {
                truth[q * k + j] = (int) n.id(j);
              }
            } catch (RuntimeException | Error e) {
              failure.compareAndSet(null, e);
            }
            finished.incrementAndGet();
          }
        };
    p = new Progress("exact top-" + k + " on " + threads + (threads == 1 ? " thread" : " threads"),
        queries.length, out);
    Thread[] workers = new Thread[Math.max(1, Math.min(threads, queries.length))];
    for (int t = 0; t < workers.length; t++) {
      workers[t] = Thread.ofPlatform().name("shortlist-ground-truth-" + t).start(worker);
    }
    join(workers, () -> finished.get(), p);
    p.done();
    Throwable t = failure.get();
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return truth;
  }

  /** Waits for {@code workers}, updating {@code p} with {@code done} every 100 ms. */
  static void join(Thread[] workers, java.util.function.IntSupplier done, Progress p) {
    boolean alive = true;
    while (alive) {
      alive = false;
      for (Thread w : workers) {
        try {
          w.join(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
        alive |= w.isAlive();
      }
      p.update(done.getAsInt());
    }
  }
}
