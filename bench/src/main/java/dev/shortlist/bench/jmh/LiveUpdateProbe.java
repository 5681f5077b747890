package dev.shortlist.bench.jmh;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import dev.shortlist.retrieval.LuceneHnswIndex;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where {@link LiveUpdateBenchmark}'s slowdown comes from: one thread measures search latency
 * (100k × 128 clustered vectors, k = 10, ef = 100, 8,000 queries per line) on the static index,
 * during 2,000 upserts/s from a second thread, right after the writes stop (the shape the updates
 * left), and after {@link LuceneHnswIndex#forceMerge()}. Each line also gives the segment count
 * and the updates pending in the delta.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/shortlist.jar
 * dev.shortlist.bench.jmh.LiveUpdateProbe [FLUSH_THRESHOLD]} (default 1,024; a threshold larger
 * than the run's writes, e.g. 100000, keeps every update in the exactly scanned delta).
 */
public final class LiveUpdateProbe {

  private static final int N = 100_000;
  private static final int DIM = 128;
  private static final int WRITES_PER_SECOND = 2_000;

  private LiveUpdateProbe() {}

  public static void main(String[] args) throws InterruptedException {
    int flushThreshold = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    ClusteredVectors mixture = new ClusteredVectors(DIM, Fixtures.MIXTURE_SEED);
    LuceneHnswIndex index = Fixtures.hnsw(Fixtures.hnswBuilder(DIM).flushThreshold(flushThreshold),
        DIM, Fixtures.ids(N), mixture.flat(new Random(1), N));
    float[][] queries = mixture.rows(new Random(2), Fixtures.QUERIES);
    measure("static (warm-up)", index, queries);
    measure("static", index, queries);

    AtomicBoolean stop = new AtomicBoolean();
    Thread writer = Thread.ofPlatform().name("probe-writer").start(() ->
        Fixtures.pacedUpserts(index, mixture, N, 3, 1_000_000_000L / WRITES_PER_SECOND,
            stop::get, () -> {}));
    for (int i = 0; i < 4; i++) {
      measure("during writes", index, queries);
    }
    stop.set(true);
    writer.join();
    index.refresh();
    measure("after writes", index, queries);
    measure("after writes", index, queries);
    long start = System.nanoTime();
    index.forceMerge();
    System.out.printf(Locale.ROOT, "forceMerge: %.1f s%n", (System.nanoTime() - start) / 1e9);
    measure("after forceMerge", index, queries);
    measure("after forceMerge", index, queries);
    index.close();
  }

  private static void measure(String what, LuceneHnswIndex index, float[][] queries) {
    long[] nanos = new long[8_000];
    for (int i = 0; i < nanos.length; i++) {
      long t0 = System.nanoTime();
      index.search(queries[i & (Fixtures.QUERIES - 1)], 10, 100, IdSet.empty(), Deadline.none());
      nanos[i] = System.nanoTime() - t0;
    }
    Arrays.sort(nanos);
    System.out.printf(Locale.ROOT, "%-17s p50 %5d µs  p99 %6d µs  segments %d, pending %,d%n",
        what, nanos[nanos.length / 2] / 1000, nanos[nanos.length * 99 / 100] / 1000,
        index.segmentCount(), index.pendingUpdates());
  }
}
