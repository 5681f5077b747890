package dev.shortlist.bench.jmh;

import dev.shortlist.retrieval.ExactIndex;
import dev.shortlist.retrieval.LiveHnswIndex;
import dev.shortlist.retrieval.LuceneHnswIndex;
import dev.shortlist.retrieval.Metric;
import dev.shortlist.retrieval.VectorIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/** Corpus and index construction shared by the benchmarks' trial set-ups. */
final class Fixtures {

  /** Seed of the mixture every benchmark draws its corpus, queries and updates from. */
  static final long MIXTURE_SEED = 42;
  /** Rotating queries per benchmark; a power of two so the cursor can be masked. */
  static final int QUERIES = 1 << 10;

  private Fixtures() {}

  /** Ids {@code 0 .. n-1}. */
  static long[] ids(int n) {
    return LongStream.range(0, n).toArray();
  }

  /** An exact cosine index over the rows of {@code flat}. */
  static ExactIndex exact(int dim, long[] ids, float[] flat) {
    ExactIndex index = ExactIndex.create(dim, Metric.COSINE);
    for (int i = 0; i < ids.length; i++) {
      index.upsert(ids[i], ClusteredVectors.row(flat, i, dim));
    }
    return index;
  }

  /** The benchmarks' HNSW configuration: cosine, M = 16, beam width 100. */
  static LuceneHnswIndex.Builder hnswBuilder(int dim) {
    return LuceneHnswIndex.builder(dim, Metric.COSINE).maxConnections(16).beamWidth(100);
  }

  /**
   * An index built by {@code builder} over the rows of {@code flat}, bulk-loaded and force-merged
   * into one segment; prints how long the build took to stderr.
   */
  static LuceneHnswIndex hnsw(LuceneHnswIndex.Builder builder, int dim, long[] ids, float[] flat) {
    long start = System.nanoTime();
    LuceneHnswIndex index = builder.build();
    index.upsertAll(ids, flat, done -> {});
    index.forceMerge();
    System.err.printf(
        Locale.ROOT, "%nbuilt %,d × %d in %.1f s: %s, %d segment(s)%n",
        ids.length, dim, (System.nanoTime() - start) / 1e9, index, index.segmentCount());
    return index;
  }

  /**
   * A {@link LiveHnswIndex} with the benchmarks' HNSW configuration (cosine, M = 16, beam width
   * 100) over the rows of {@code flat}; prints how long the build took to stderr.
   */
  static LiveHnswIndex liveHnsw(int dim, long[] ids, float[] flat) {
    long start = System.nanoTime();
    LiveHnswIndex index =
        LiveHnswIndex.builder(dim, Metric.COSINE).maxConnections(16).beamWidth(100).build();
    index.upsertAll(ids, flat, done -> {});
    System.err.printf(Locale.ROOT, "%nbuilt %,d × %d in %.1f s: %s%n",
        ids.length, dim, (System.nanoTime() - start) / 1e9, index);
    return index;
  }

  /**
   * Upserts random existing ids {@code 0 .. n-1} with fresh vectors from {@code mixture} (seeded
   * by {@code seed}), one every {@code intervalNanos} on average (parked in between, catching up
   * when behind), until {@code stop} says so; {@code written} runs after each upsert.
   */
  static void pacedUpserts(VectorIndex index, ClusteredVectors mixture, int n, long seed,
      long intervalNanos, BooleanSupplier stop, Runnable written) {
    Random rnd = new Random(seed);
    float[] vector = new float[index.dimension()];
    long next = System.nanoTime();
    while (!stop.getAsBoolean()) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
        continue;
      }
      mixture.next(rnd, vector, 0);
      index.upsert(rnd.nextInt(n), vector);
      written.run();
      next += intervalNanos;
    }
  }

  /** A new empty temporary directory. */
  static Path tempDirectory(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory", e);
    }
  }

  /** Deletes {@code dir} and everything in it. */
  static void deleteRecursively(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
