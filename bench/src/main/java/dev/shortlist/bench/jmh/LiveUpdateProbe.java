package dev.shortlist.bench.jmh;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import dev.shortlist.retrieval.ExactIndex;
import dev.shortlist.retrieval.LiveHnswIndex;
import dev.shortlist.retrieval.LuceneHnswIndex;
import dev.shortlist.retrieval.Metric;
import dev.shortlist.retrieval.Neighbors;
import dev.shortlist.retrieval.VectorIndex;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What live updates cost a search: one thread measures search latency (100k × 128 clustered
 * vectors, k = 10, ef = 100, 8,000 queries per line) on the static index, during 2,000 upserts/s
 * from a second thread, and right after the writes stop (the shape the updates left); for {@code
 * lucene}, also after {@link LuceneHnswIndex#forceMerge()}. The writer reports the upserts/s it
 * achieved, and recall@10 (against an exact scan of the index's current vectors) is measured
 * before and after the writes.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/shortlist.jar
 * dev.shortlist.bench.jmh.LiveUpdateProbe [live|lucene] [FLUSH_THRESHOLD]}: {@code live} is
 * {@link LiveHnswIndex} (the default), {@code lucene} is {@link LuceneHnswIndex} with the given
 * flush threshold (default 1,024; larger than the run's writes, e.g. 100000, keeps every update
 * in its exactly scanned delta).
 */
public final class LiveUpdateProbe {

  private static final int N = 100_000;
  private static final int DIM = 128;
  private static final int WRITES_PER_SECOND = 2_000;
  private static final int RECALL_QUERIES = 200;

  private LiveUpdateProbe() {}

  public static void main(String[] args) throws InterruptedException {
    String kind = args.length > 0 ? args[0] : "live";
    int flushThreshold = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
    ClusteredVectors mixture = new ClusteredVectors(DIM, Fixtures.MIXTURE_SEED);
    float[] flat = mixture.flat(new Random(1), N);
    VectorIndex index = switch (kind) {
      case "live" -> Fixtures.liveHnsw(DIM, Fixtures.ids(N), flat);
      case "lucene" -> Fixtures.hnsw(Fixtures.hnswBuilder(DIM).flushThreshold(flushThreshold),
          DIM, Fixtures.ids(N), flat);
      default -> throw new IllegalArgumentException("index must be live or lucene, was " + kind);
    };
    float[][] queries = mixture.rows(new Random(2), Fixtures.QUERIES);
    recall("static", index, queries);
    measure("static (warm-up)", index, queries);
    measure("static", index, queries);

    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong written = new AtomicLong();
    long writeStart = System.nanoTime();
    Thread writer = Thread.ofPlatform().name("probe-writer").start(() ->
        Fixtures.pacedUpserts(index, mixture, N, 3, 1_000_000_000L / WRITES_PER_SECOND,
            stop::get, written::incrementAndGet));
    // The first window also pays for compiling the writer's code on the compiler threads.
    measure("writes (warm-up)", index, queries);
    for (int i = 0; i < 4; i++) {
      measure("during writes", index, queries);
    }
    stop.set(true);
    writer.join();
    double seconds = (System.nanoTime() - writeStart) / 1e9;
    System.out.printf(Locale.ROOT, "writer: %,d upserts in %.1f s = %,.0f/s (target %,d)%n",
        written.get(), seconds, written.get() / seconds, WRITES_PER_SECOND);
    if (index instanceof LuceneHnswIndex lucene) {
      lucene.refresh();
    }
    measure("after writes", index, queries);
    measure("after writes", index, queries);
    recall("after writes", index, queries);
    if (index instanceof LuceneHnswIndex lucene) {
      long start = System.nanoTime();
      lucene.forceMerge();
      System.out.printf(Locale.ROOT, "forceMerge: %.1f s%n", (System.nanoTime() - start) / 1e9);
      measure("after forceMerge", index, queries);
      measure("after forceMerge", index, queries);
    }
    index.close();
  }

  private static void measure(String what, VectorIndex index, float[][] queries) {
    long[] nanos = new long[8_000];
    for (int i = 0; i < nanos.length; i++) {
      long t0 = System.nanoTime();
      search(index, queries[i & (Fixtures.QUERIES - 1)]);
      nanos[i] = System.nanoTime() - t0;
    }
    Arrays.sort(nanos);
    System.out.printf(Locale.ROOT, "%-17s p50 %5d µs  p99 %6d µs  %s%n",
        what, nanos[nanos.length / 2] / 1000, nanos[nanos.length * 99 / 100] / 1000,
        index instanceof LuceneHnswIndex l
            ? "segments " + l.segmentCount() + ", pending " + l.pendingUpdates()
            : "deleted slots " + ((LiveHnswIndex) index).deletedSlots());
  }

  /** k = 10 with the index's default candidate list (both builders default to ef = 100). */
  private static Neighbors search(VectorIndex index, float[] q) {
    return index.search(q, 10, IdSet.empty(), Deadline.none());
  }

  /** Mean recall@10 over the first queries, against an exact scan of the index's vectors now. */
  private static void recall(String what, VectorIndex index, float[][] queries) {
    ExactIndex exact = ExactIndex.create(DIM, Metric.COSINE);
    for (long id = 0; id < N; id++) {
      float[] v = index.vector(id);
      if (v != null) {
        exact.upsert(id, v);
      }
    }
    double total = 0;
    for (int i = 0; i < RECALL_QUERIES; i++) {
      long[] truth = exact.search(queries[i], 10).ids();
      long[] got = search(index, queries[i]).ids();
      Arrays.sort(got);
      int hits = 0;
      for (long id : truth) {
        hits += Arrays.binarySearch(got, id) >= 0 ? 1 : 0;
      }
      total += hits / 10.0;
    }
    System.out.printf(Locale.ROOT, "%-17s recall@10 %.4f (%d queries)%n",
        what, total / RECALL_QUERIES, RECALL_QUERIES);
  }
}
