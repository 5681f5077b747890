package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract kit on a Lucene index whose delta moves into the graph every 50 writes, so the
 * kit's tests exercise the graph, the delta and their mix; plus Lucene-specific behaviour.
 */
class LuceneHnswIndexTest extends VectorIndexContractTest {

  @TempDir Path temp;

  @Override
  protected VectorIndex newIndex(int dimension, Metric metric) {
    return LuceneHnswIndex.builder(dimension, metric).flushThreshold(50).build();
  }

  @Override
  protected double minRecallAt10() {
    return 0.9;
  }

  /**
   * Seeded clustered data shaped like real embeddings: a mixture of {@code clusters} Gaussians in
   * an 8-dimensional latent space, projected linearly to {@code dim} with a little isotropic noise
   * (real embeddings have a low intrinsic dimension; isotropic noise in all {@code dim} would be
   * far harder for any ANN index than real data).
   */
  static float[] clustered(Random rnd, int n, int dim, int clusters) {
    int latent = 8;
    float[][] projection = new float[latent][dim];
    for (float[] p : projection) {
      for (int d = 0; d < dim; d++) {
        p[d] = (float) rnd.nextGaussian();
      }
    }
    float[][] centroids = new float[clusters][latent];
    for (float[] c : centroids) {
      for (int d = 0; d < latent; d++) {
        c[d] = 3 * (float) rnd.nextGaussian();
      }
    }
    float[] out = new float[n * dim];
    float[] z = new float[latent];
    for (int i = 0; i < n; i++) {
      float[] c = centroids[rnd.nextInt(clusters)];
      for (int l = 0; l < latent; l++) {
        z[l] = c[l] + (float) rnd.nextGaussian();
      }
      for (int d = 0; d < dim; d++) {
        float x = 0.05f * (float) rnd.nextGaussian();
        for (int l = 0; l < latent; l++) {
          x += z[l] * projection[l][d];
        }
        out[i * dim + d] = x;
      }
    }
    return out;
  }

  private static float[] row(float[] flat, int i, int dim) {
    float[] v = new float[dim];
    System.arraycopy(flat, i * dim, v, 0, dim);
    return v;
  }

  private static double recall(VectorIndex approx, ExactIndex exact, float[] queries, int nq, int dim, int k, int ef) {
    double hits = 0;
    for (int q = 0; q < nq; q++) {
      float[] query = row(queries, q, dim);
      Set<Long> truth = new HashSet<>();
      for (long id : exact.search(query, k).ids()) {
        truth.add(id);
      }
      long[] got =
          ((LuceneHnswIndex) approx).search(query, k, ef, IdSet.empty(), Deadline.none()).ids();
      for (long id : got) {
        if (truth.contains(id)) {
          hits++;
        }
      }
    }
    return hits / (nq * (double) k);
  }

  @Test
  void bulkBuild_reachesRecallFloorAt10_onSeeded20kSet() {
    Random rnd = new Random(seed);
    int n = 20_000;
    int dim = 32;
    float[] data = clustered(rnd, n, dim, 50);
    float[] queries = clustered(rnd, 200, dim, 50);
    long[] ids = LongStream.range(0, n).map(i -> i * 7 + 3).toArray();
    try (LuceneHnswIndex index = LuceneHnswIndex.builder(dim, Metric.COSINE).build();
        ExactIndex exact = ExactIndex.create(dim, Metric.COSINE)) {
      index.upsertAll(ids, data, done -> {});
      for (int i = 0; i < n; i++) {
        exact.upsert(ids[i], row(data, i, dim));
      }
      assertThat(index.size()).isEqualTo(n);
      assertThat(index.pendingUpdates()).isZero();

      double r = recall(index, exact, queries, 200, dim, 10, 100);

      assertThat(r).as("recall@10 at ef=100, seed %d", seed).isGreaterThanOrEqualTo(0.95);
    }
  }

  @Test
  void quantizedIndexes_rescoreWithFloats_andKeepUsefulRecall() {
    Random rnd = new Random(seed + 1);
    int n = 5_000;
    int dim = 32;
    float[] data = clustered(rnd, n, dim, 20);
    float[] queries = clustered(rnd, 100, dim, 20);
    long[] ids = LongStream.range(0, n).toArray();
    try (ExactIndex exact = ExactIndex.create(dim, Metric.L2)) {
      for (int i = 0; i < n; i++) {
        exact.upsert(ids[i], row(data, i, dim));
      }
      for (LuceneHnswIndex.Quantization q : LuceneHnswIndex.Quantization.values()) {
        try (LuceneHnswIndex index =
            LuceneHnswIndex.builder(dim, Metric.L2).quantization(q).rescoreFactor(5).build()) {
          index.upsertAll(ids, data, done -> {});
          double floor = q == LuceneHnswIndex.Quantization.BINARY ? 0.6 : 0.85;
          assertThat(recall(index, exact, queries, 100, dim, 10, 100))
              .as("%s recall@10, seed %d", q, seed)
              .isGreaterThanOrEqualTo(floor);
          // Rescored scores are the exact float scores.
          float[] query = row(queries, 0, dim);
          Neighbors got = index.search(query, 5, 100, IdSet.empty(), Deadline.none());
          for (int i = 0; i < got.size(); i++) {
            double expected = -ReferenceIndex.score(Metric.L2, query, row(data, (int) got.id(i), dim)) ;
            assertThat((double) got.score(i)).isCloseTo(-expected, org.assertj.core.data.Offset.offset(1e-3));
          }
        }
      }
    }
  }

  @Test
  void liveUpdates_areVisibleToTheNextSearch_beforeAndAfterTheyReachTheGraph() {
    try (LuceneHnswIndex index =
        LuceneHnswIndex.builder(4, Metric.L2).flushThreshold(1_000).build()) {
      index.upsertAll(new long[] {1, 2, 3}, new float[] {0, 0, 0, 0, 5, 5, 5, 5, 9, 9, 9, 9}, d -> {});
      float[] origin = {0, 0, 0, 0};

      index.upsert(4, new float[] {0.1f, 0, 0, 0});
      assertThat(index.pendingUpdates()).isEqualTo(1);
      assertThat(index.search(origin, 2).ids()).containsExactly(1, 4);

      index.upsert(1, new float[] {8, 8, 8, 8}); // moves item 1 away: superseded in the graph
      index.remove(2);
      assertThat(index.search(origin, 3).ids()).containsExactly(4, 1, 3);
      assertThat(index.size()).isEqualTo(3);

      index.refresh();
      assertThat(index.pendingUpdates()).isZero();
      assertThat(index.search(origin, 3).ids()).containsExactly(4, 1, 3);
      assertThat(index.size()).isEqualTo(3);
      assertThat(index.remove(2)).isFalse();
    }
  }

  @Test
  void idsRepeatedWithinAndAcrossSegments_resolveToTheirLatestVector() {
    try (LuceneHnswIndex index = LuceneHnswIndex.builder(4, Metric.L2).flushThreshold(1_000).build()) {
      // One bulk load writes id 7 twice into the same segment: the later row wins.
      index.upsertAll(new long[] {7, 8, 7}, new float[] {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, d -> {});
      assertThat(index.size()).isEqualTo(2);
      assertThat(index.vector(7)).containsExactly(3, 3, 3, 3);

      // Later segments: id 7 moves again, id 8 goes; each reopen reuses the older segments' ids.
      index.upsert(7, new float[] {4, 4, 4, 4});
      index.refresh();
      index.remove(8);
      index.upsert(9, new float[] {5, 5, 5, 5});
      index.refresh();
      assertThat(index.segmentCount()).isGreaterThanOrEqualTo(2);
      assertThat(index.vector(7)).containsExactly(4, 4, 4, 4);
      assertThat(index.vector(8)).isNull();
      assertThat(index.size()).isEqualTo(2);
      assertThat(index.remove(8)).isFalse();
      assertThat(index.search(new float[] {4, 4, 4, 4}, 3).ids()).containsExactly(7, 9);

      index.forceMerge();
      assertThat(index.segmentCount()).isEqualTo(1);
      assertThat(index.vector(7)).containsExactly(4, 4, 4, 4);
      assertThat(index.remove(7)).isTrue();
      assertThat(index.search(new float[] {4, 4, 4, 4}, 3).ids()).containsExactly(9);
    }
  }

  @Test
  void backgroundFlush_movesTheDeltaIntoTheGraph_withoutLosingWrites() throws Exception {
    try (LuceneHnswIndex index = LuceneHnswIndex.builder(8, Metric.DOT).flushThreshold(100).build()) {
      Random rnd = new Random(seed);
      for (int i = 0; i < 1_000; i++) {
        float[] v = new float[8];
        for (int d = 0; d < 8; d++) {
          v[d] = rnd.nextFloat();
        }
        index.upsert(i % 700, v); // 300 replacements
      }
      assertThat(index.size()).isEqualTo(700);
      index.refresh();
      assertThat(index.pendingUpdates()).isZero();
      assertThat(index.size()).isEqualTo(700);
      assertThat(index.search(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, 700).size()).isEqualTo(700);
    }
  }

  /**
   * Regression: a search from an interrupted thread that released the last reference to a
   * replaced reader closed it there, and the file deletion that follows went through the
   * writer's lock file channel, which an interrupt closes for good: every later write failed.
   */
  @Test
  void searchesFromInterruptedThreads_neverBreakLaterWrites() throws Exception {
    try (LuceneHnswIndex index = LuceneHnswIndex.builder(8, Metric.L2).flushThreshold(10).build()) {
      Random rnd = new Random(seed);
      for (int i = 0; i < 200; i++) {
        index.upsert(i, randomVector(rnd));
      }
      java.util.concurrent.atomic.AtomicReference<Throwable> writerFailure =
          new java.util.concurrent.atomic.AtomicReference<>();
      Thread writer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    Random r = new Random(seed + 1);
                    try {
                      for (int i = 0; i < 3_000; i++) {
                        index.upsert(r.nextInt(400), randomVector(r));
                      }
                    } catch (Throwable t) {
                      writerFailure.set(t);
                    }
                  });
      float[] query = randomVector(rnd);
      int searches = 0;
      while (writer.isAlive() || searches < 100) {
        Thread.currentThread().interrupt();
        try {
          assertThat(index.search(query, 5, IdSet.empty(), Deadline.none()).size()).isEqualTo(5);
        } finally {
          Thread.interrupted();
        }
        searches++;
      }
      writer.join();

      assertThat(writerFailure.get()).isNull();
      index.upsert(10_000, query);
      index.refresh();
      assertThat(index.search(query, 1, IdSet.empty(), Deadline.none()).ids()).containsExactly(10_000L);
    }
  }

  private static float[] randomVector(Random rnd) {
    float[] v = new float[8];
    for (int d = 0; d < 8; d++) {
      v[d] = rnd.nextFloat();
    }
    return v;
  }

  @Test
  void exclusionsOfMostItems_fallBackToExactSearch_andStillReturnK() {
    Random rnd = new Random(seed);
    int n = 2_000;
    float[] data = clustered(rnd, n, 8, 5);
    try (LuceneHnswIndex index = LuceneHnswIndex.builder(8, Metric.COSINE).build()) {
      index.upsertAll(LongStream.range(0, n).toArray(), data, d -> {});
      IdSet excluded = IdSet.of(LongStream.range(0, n - 15).toArray());

      Neighbors got = index.search(row(data, 0, 8), 10, 50, excluded, Deadline.none());

      assertThat(got.size()).isEqualTo(10);
      for (long id : got.ids()) {
        assertThat(id).isGreaterThanOrEqualTo(n - 15);
      }
    }
  }

  @Test
  void saveThenOpen_returnsTheSameResults() throws IOException {
    Random rnd = new Random(seed);
    int n = 3_000;
    int dim = 16;
    float[] data = clustered(rnd, n, dim, 10);
    Path dir = temp.resolve("saved");
    long[][] before = new long[20][];
    try (LuceneHnswIndex index =
        LuceneHnswIndex.builder(dim, Metric.L2).quantization(LuceneHnswIndex.Quantization.INT8).efSearch(64).build()) {
      index.upsertAll(LongStream.range(0, n).toArray(), data, d -> {});
      index.upsert(n + 1, row(data, 5, dim)); // still in the delta when saved
      for (int q = 0; q < 20; q++) {
        before[q] = index.search(row(data, q * 7, dim), 10).ids();
      }
      index.save(dir);
    }
    try (LuceneHnswIndex reopened = LuceneHnswIndex.open(dir)) {
      assertThat(reopened.size()).isEqualTo(n + 1);
      assertThat(reopened.dimension()).isEqualTo(dim);
      assertThat(reopened.metric()).isEqualTo(Metric.L2);
      assertThat(reopened.quantization()).isEqualTo(LuceneHnswIndex.Quantization.INT8);
      assertThat(reopened.efSearch()).isEqualTo(64);
      for (int q = 0; q < 20; q++) {
        assertThat(reopened.search(row(data, q * 7, dim), 10).ids()).containsExactly(before[q]);
      }
    }
  }

  @Test
  void onDiskIndex_keepsWritesAcrossReopen() {
    Path dir = temp.resolve("disk");
    try (LuceneHnswIndex index = LuceneHnswIndex.builder(4, Metric.L2).directory(dir).build()) {
      index.upsert(1, new float[] {1, 2, 3, 4});
      index.upsert(2, new float[] {4, 3, 2, 1});
    }
    try (LuceneHnswIndex index = LuceneHnswIndex.builder(4, Metric.L2).directory(dir).build()) {
      assertThat(index.size()).isEqualTo(2);
      assertThat(index.search(new float[] {1, 2, 3, 4}, 1).ids()).containsExactly(1);
    }
  }

  @Test
  void directoryOfAnotherDimensionOrMetric_isRefusedNamingTheValue() throws IOException {
    Path dir = temp.resolve("other");
    try (LuceneHnswIndex index = LuceneHnswIndex.builder(4, Metric.L2).directory(dir).build()) {
      index.upsert(1, new float[] {1, 2, 3, 4});
    }
    assertThatThrownBy(() -> LuceneHnswIndex.builder(8, Metric.L2).directory(dir).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has dimension 4, expected 8");
    assertThatThrownBy(() -> LuceneHnswIndex.builder(4, Metric.COSINE).directory(dir).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has metric l2, expected cosine");
    Path empty = Files.createDirectories(temp.resolve("empty"));
    assertThatThrownBy(() -> LuceneHnswIndex.open(empty))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a Shortlist Lucene index");
    Files.writeString(empty.resolve("junk.txt"), "x");
    assertThatThrownBy(() -> LuceneHnswIndex.builder(4, Metric.L2).directory(empty).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not empty and holds no Shortlist index");
    // The original is intact.
    try (LuceneHnswIndex index = LuceneHnswIndex.builder(4, Metric.L2).directory(dir).build()) {
      assertThat(index.size()).isEqualTo(1);
    }
  }

  @Test
  void searchSettingsOutOfRange_areRefusedNamingTheValue() {
    try (LuceneHnswIndex index = LuceneHnswIndex.builder(4, Metric.L2).maxK(100).build()) {
      index.upsert(1, new float[] {1, 2, 3, 4});
      assertThatThrownBy(() -> index.search(new float[4], 101))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("k must be in [1, 100], was 101");
      assertThatThrownBy(() -> index.search(new float[4], 5, 0, IdSet.empty(), Deadline.none()))
          .hasMessage("ef must be positive, was 0");
    }
    assertThatThrownBy(() -> LuceneHnswIndex.builder(4, Metric.L2).maxConnections(1))
        .hasMessage("maxConnections must be in [2, 512], was 1");
    assertThatThrownBy(() -> Metric.parse("manhattan"))
        .hasMessageContaining("metric must be one of cosine, dot, l2; was 'manhattan'");
  }

  @Test
  void searchesDuringFlushes_alwaysSeeUntouchedItems() throws Exception {
    try (LuceneHnswIndex index =
        LuceneHnswIndex.builder(2, Metric.L2).flushThreshold(20).build()) {
      // Stable items on one axis, never written again; churned items on the other.
      for (int i = 0; i < 50; i++) {
        index.upsert(i, new float[] {i * 10, 0});
      }
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
      Thread writer =
          Thread.ofPlatform()
              .start(
                  () -> {
                    Random rnd = new Random(seed);
                    for (int w = 0; w < 20_000 && !stop.get(); w++) {
                      long id = 1_000 + rnd.nextInt(300);
                      if (rnd.nextInt(4) == 0) {
                        index.remove(id);
                      } else {
                        index.upsert(id, new float[] {0, 1_000 + rnd.nextInt(1_000)});
                      }
                      writes.incrementAndGet();
                    }
                  });
      try {
        // Search while the writer runs: at least 200 rounds and 2,000 writes (100 flushes), so
        // that the searches overlap flushes however the two threads are scheduled.
        for (int round = 0; round < 200 || (writes.get() < 2_000 && writer.isAlive()); round++) {
          for (int i = 0; i < 50; i += 7) {
            long[] got = index.search(new float[] {i * 10, 0}, 1).ids();
            assertThat(got).as("round %d, item %d, after %d writes", round, i, writes.get())
                .containsExactly(i);
          }
        }
      } finally {
        stop.set(true);
        writer.join();
      }
      assertThat(writes.get()).isGreaterThanOrEqualTo(2_000);
      index.refresh();
      assertThat(index.search(new float[] {0, 0}, 50, 200, IdSet.empty(), Deadline.none()).ids())
          .contains(0L, 7L, 49L);
    }
  }
}
