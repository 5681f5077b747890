package dev.shortlist.bench.jmh;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import dev.shortlist.retrieval.LiveHnswIndex;
import dev.shortlist.retrieval.LuceneHnswIndex;
import dev.shortlist.retrieval.Neighbors;
import dev.shortlist.retrieval.VectorIndex;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * HNSW search latency on a {@link LuceneHnswIndex} or a {@link LiveHnswIndex} ({@code index} =
 * {@code lucene} or {@code live}) while another thread writes to it: a writer
 * thread replaces random existing ids with fresh vectors from the corpus's distribution at {@code
 * writesPerSecond} (paced with {@link LockSupport#parkNanos}, catching up when it falls behind;
 * {@code 0} = no writer). The measured operation is the search, so comparing the percentiles at
 * {@code writesPerSecond=0} and {@code 2000} shows what live updates cost a query: for Lucene, the
 * exact-scanned delta, its background moves into the graph, new segments and their merges; for
 * the live graph, updates in place on the writer's thread.
 *
 * <p>After every iteration and at the end of the trial, stderr gets the writes per second the
 * writer achieved, the index's segment count and its pending (delta) updates. {@code
 * storage=mmap} keeps the index in a temporary directory instead of on the heap; {@code
 * flushThreshold} is the builder's setting of that name.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/shortlist.jar
 * org.openjdk.jmh.Main LiveUpdateBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class LiveUpdateBenchmark {

  @Param({"100000"})
  int n;

  @Param({"128"})
  int dim;

  @Param({"10"})
  int k;

  @Param({"100"})
  int ef;

  @Param({"0", "2000"})
  int writesPerSecond;

  /** {@code lucene}: {@link LuceneHnswIndex}; {@code live}: {@link LiveHnswIndex}. */
  @Param({"lucene", "live"})
  String index;

  /**
   * For {@code lucene}: {@code heap} is the builder's default (a private temporary directory,
   * memory-mapped; the name is historical), {@code mmap} an index built in a given directory.
   * The live graph is always on the heap.
   */
  @Param({"heap"})
  String storage;

  /** Delta entries that trigger a move into the graph ({@code Builder.flushThreshold}). */
  @Param({"1024"})
  int flushThreshold;

  private VectorIndex built;
  private LuceneHnswIndex lucene;
  private LiveHnswIndex live;
  private Path directory;
  private float[][] queries;
  private int cursor;

  private Thread writer;
  private volatile boolean stop;
  private volatile Throwable writerFailure;
  /** Upserts done; written by the writer thread only. */
  private volatile long upserts;
  private long trialStartNanos;
  private long iterationStartNanos;
  private long iterationStartUpserts;

  @Setup(Level.Trial)
  public void setUp() {
    if (writesPerSecond < 0 || writesPerSecond > 1_000_000) {
      throw new IllegalArgumentException(
          "writesPerSecond must be in [0, 1000000], was " + writesPerSecond);
    }
    ClusteredVectors mixture = new ClusteredVectors(dim, Fixtures.MIXTURE_SEED);
    float[] flat = mixture.flat(new Random(1), n);
    switch (index) {
      case "lucene" -> {
        LuceneHnswIndex.Builder builder =
            Fixtures.hnswBuilder(dim).flushThreshold(flushThreshold);
        switch (storage) {
          case "heap" -> {}
          case "mmap" -> {
            directory = Fixtures.tempDirectory("shortlist-jmh-live");
            builder.directory(directory);
          }
          default ->
              throw new IllegalArgumentException("storage must be heap or mmap, was " + storage);
        }
        lucene = Fixtures.hnsw(builder, dim, Fixtures.ids(n), flat);
        built = lucene;
      }
      case "live" -> {
        live = Fixtures.liveHnsw(dim, Fixtures.ids(n), flat);
        built = live;
      }
      default -> throw new IllegalArgumentException("index must be lucene or live, was " + index);
    }
    queries = mixture.rows(new Random(2), Fixtures.QUERIES);
    trialStartNanos = System.nanoTime();
    if (writesPerSecond > 0) {
      writer =
          Thread.ofPlatform()
              .name("jmh-live-writer")
              .daemon(true)
              .unstarted(() -> write(mixture, 1_000_000_000L / writesPerSecond));
      writer.start();
    }
  }

  /** Upserts one id every {@code intervalNanos} on average until {@link #stop}. */
  private void write(ClusteredVectors mixture, long intervalNanos) {
    try {
      Fixtures.pacedUpserts(built, mixture, n, 3, intervalNanos, () -> stop,
          () -> upserts = upserts + 1);
    } catch (Throwable t) {
      writerFailure = t;
    }
  }

  @Setup(Level.Iteration)
  public void startIteration() {
    iterationStartNanos = System.nanoTime();
    iterationStartUpserts = upserts;
  }

  @TearDown(Level.Iteration)
  public void endIteration() {
    report("iteration", iterationStartNanos, iterationStartUpserts);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    stop = true;
    if (writer != null) {
      LockSupport.unpark(writer);
      writer.join();
    }
    report("trial", trialStartNanos, 0);
    built.close();
    if (directory != null) {
      Fixtures.deleteRecursively(directory);
    }
    if (writerFailure != null) {
      throw new IllegalStateException("the writer thread failed", writerFailure);
    }
  }

  @Benchmark
  public Neighbors search() {
    float[] q = queries[cursor++ & (Fixtures.QUERIES - 1)];
    return lucene != null
        ? lucene.search(q, k, ef, IdSet.empty(), Deadline.none())
        : live.search(q, k, ef, IdSet.empty(), Deadline.none());
  }

  private void report(String what, long sinceNanos, long upsertsBefore) {
    double seconds = (System.nanoTime() - sinceNanos) / 1e9;
    long done = upserts - upsertsBefore;
    System.err.printf(
        Locale.ROOT,
        "%n%s: %,d upserts in %.1f s = %,.0f writes/s (target %,d); %s%s%n",
        what, done, seconds, done / seconds, writesPerSecond,
        lucene != null
            ? "segments " + lucene.segmentCount() + ", pending updates " + lucene.pendingUpdates()
            : "deleted slots " + live.deletedSlots(),
        writerFailure == null ? "" : "; writer FAILED: " + writerFailure);
  }
}
