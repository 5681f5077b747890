package dev.shortlist.retrieval;

import static dev.shortlist.retrieval.FaissTesting.gaussianRows;
import static dev.shortlist.retrieval.FaissTesting.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FAISS-specific behaviour: approximate recall, training, files, bad input, lifecycle. */
class FaissIndexTest {

  private final long seed = Long.getLong("shortlist.test.seed", 0x5EED_2026L);

  @TempDir Path temp;

  @BeforeEach
  void nativeLibrary() {
    FaissTesting.assumeNativeLibrary();
  }

  // ---- data ----

  /** Clustered rows (a mixture of gaussians), {@code n} of them, flat. */
  private static float[] clustered(Random rnd, int n, int dim, int clusters) {
    float[][] centres = new float[clusters][dim];
    for (float[] c : centres) {
      for (int d = 0; d < dim; d++) {
        c[d] = (float) rnd.nextGaussian();
      }
    }
    Random pick = new Random(rnd.nextLong());
    float[] out = new float[n * dim];
    for (int i = 0; i < n; i++) {
      float[] c = centres[pick.nextInt(clusters)];
      for (int d = 0; d < dim; d++) {
        out[i * dim + d] = c[d] + 0.3f * (float) rnd.nextGaussian();
      }
    }
    return out;
  }

  private static double recall(FaissIndex index, ExactIndex exact, float[] queries, int dim, int k) {
    int nq = queries.length / dim;
    double total = 0;
    for (int q = 0; q < nq; q++) {
      float[] query = row(queries, q, dim);
      Set<Long> want = new HashSet<>();
      for (long id : exact.search(query, k).ids()) {
        want.add(id);
      }
      long hits = Arrays.stream(index.search(query, k).ids()).filter(want::contains).count();
      total += (double) hits / k;
    }
    return total / nq;
  }

  private static FaissIndex filled(String factory, int dim, Metric metric, float[] data, long[] ids) {
    FaissIndex index = FaissIndex.builder(dim, metric).factory(factory).nprobe(8).build();
    if (!index.isTrained()) {
      index.train(data);
    }
    index.upsertAll(ids, data, done -> {});
    return index;
  }

  // ---- recall ----

  @ParameterizedTest
  @ValueSource(strings = {"HNSW32", "IVF64,Flat", "IVF64,PQ8x4"})
  void approximateIndexes_reachTheirRecallOnClusteredData(String factory) {
    Random rnd = new Random(seed);
    int n = 5_000;
    int dim = 32;
    float[] all = clustered(rnd, n + 100, dim, 50);
    float[] data = Arrays.copyOf(all, n * dim);
    float[] queries = Arrays.copyOfRange(all, n * dim, all.length);
    long[] ids = LongStream.range(0, n).map(i -> (1L << 40) + 3 * i).toArray();
    try (ExactIndex exact = ExactIndex.create(dim, Metric.L2);
        FaissIndex index = filled(factory, dim, Metric.L2, data, ids)) {
      for (int i = 0; i < n; i++) {
        exact.upsert(ids[i], row(data, i, dim));
      }
      double floor = factory.contains("PQ") ? 0.4 : 0.85;
      assertThat(recall(index, exact, queries, dim, 10))
          .as("%s recall@10, seed %d", factory, seed)
          .isGreaterThanOrEqualTo(floor);
      assertThat(index.size()).isEqualTo(n);
      assertThat(index.memoryBytes()).isPositive();
    }
  }

  @Test
  void productQuantization_keepsNoExactVectors_butRemoves() {
    Random rnd = new Random(seed);
    float[] data = gaussianRows(rnd, 3_000, 16);
    long[] ids = LongStream.range(0, 3_000).toArray();
    try (FaissIndex index = filled("IVF16,PQ4x4", 16, Metric.L2, data, ids)) {
      assertThatThrownBy(() -> index.vector(3))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("does not keep the vectors");
      assertThat(index.supportsRemove()).isTrue();
      assertThat(index.remove(3)).isTrue();
      assertThat(index.remove(3)).isFalse();
      assertThat(index.size()).isEqualTo(2_999);
      assertThat(index.search(row(data, 3, 16), 3_000, 16, 16, IdSet.empty(), Deadline.none()).ids())
          .hasSize(2_999)
          .doesNotContain(3L);
    }
  }

  // ---- exclusions ----

  @ParameterizedTest
  @ValueSource(strings = {"HNSW16", "IVF32,Flat"})
  void exclusionsOfMostItems_stillReturnK_byFallingBackToAFullScan(String factory) {
    Random rnd = new Random(seed);
    int n = 2_000;
    float[] data = clustered(rnd, n, 8, 5);
    try (FaissIndex index =
        filled(factory, 8, Metric.COSINE, data, LongStream.range(0, n).toArray())) {
      IdSet excluded = IdSet.of(LongStream.range(0, n - 15).toArray());

      Neighbors got = index.search(row(data, 0, 8), 10, 16, 1, excluded, Deadline.none());

      assertThat(got.size()).as("seed %d", seed).isEqualTo(10);
      for (long id : got.ids()) {
        assertThat(id).isGreaterThanOrEqualTo(n - 15);
      }
    }
  }

  @Test
  void ivfBehindATransform_filtersExclusions_probesAllListsWhenShort_andRemoves() {
    Random rnd = new Random(seed);
    int n = 1_000;
    float[] data = clustered(rnd, n, 16, 8);
    try (FaissIndex index =
        filled("PCA8,IVF8,Flat", 16, Metric.L2, data, LongStream.range(0, n).toArray())) {
      assertThat(index.isIvf()).isTrue();
      float[] query = row(data, 0, 16);
      long[] top = index.search(query, 20, 16, 8, IdSet.empty(), Deadline.none()).ids();
      IdSet excluded = IdSet.of(Arrays.copyOf(top, 10));

      Neighbors got = index.search(query, 10, 16, 8, excluded, Deadline.none());

      assertThat(got.ids()).as("seed %d", seed).hasSize(10).doesNotContain(Arrays.copyOf(top, 10));
      IdSet allButFive = IdSet.of(LongStream.range(5, n).toArray());
      assertThat(index.search(query, 10, 16, 1, allButFive, Deadline.none()).ids())
          .containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L);
      assertThat(index.remove(top[0])).isTrue();
      assertThat(index.search(query, n, 16, 8, IdSet.empty(), Deadline.none()).ids())
          .hasSize(n - 1)
          .doesNotContain(top[0]);
      assertThatThrownBy(() -> index.vector(1)).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  // ---- training and factory strings ----

  @Test
  void untrainedIvf_refusesSearchesAndWrites_namingTheFix() {
    try (FaissIndex index = FaissIndex.builder(8, Metric.L2).factory("IVF4,Flat").build()) {
      assertThat(index.isTrained()).isFalse();
      assertThatThrownBy(() -> index.search(new float[8], 3))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is not trained; call train(...)");
      assertThatThrownBy(() -> index.upsert(1, new float[8]))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is not trained");

      float[] bad = gaussianRows(new Random(seed), 100, 8);
      bad[13] = Float.NaN;
      assertThatThrownBy(() -> index.train(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("training vector 1 has a non-finite component: [5] = NaN");
      assertThatThrownBy(() -> index.train(new float[7]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not a multiple of the dimension 8");
      assertThat(index.isTrained()).isFalse();

      index.train(gaussianRows(new Random(seed), 200, 8));
      assertThat(index.isTrained()).isTrue();
      index.upsert(1, new float[8]);
      assertThat(index.search(new float[8], 3).ids()).containsExactly(1L);
      assertThatThrownBy(() -> index.train(gaussianRows(new Random(seed), 200, 8)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already holds 1 items");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"Nonsense", "IVF,Flat", "HNSWx", "PQ3"})
  void unknownOrUnfitFactoryStrings_areRefusedNamingTheString(String factory) {
    assertThatThrownBy(() -> FaissIndex.builder(16, Metric.L2).factory(factory).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + factory + "'");
  }

  @Test
  void builderSettings_areCheckedEagerly() {
    assertThatThrownBy(() -> FaissIndex.builder(0, Metric.L2))
        .hasMessage("dimension must be in [1, 65536], was 0");
    assertThatThrownBy(() -> FaissIndex.builder(4, Metric.L2).factory(" "))
        .hasMessage("factory must not be blank");
    assertThatThrownBy(() -> FaissIndex.builder(4, Metric.L2).efSearch(0))
        .hasMessage("efSearch must be positive, was 0");
    assertThatThrownBy(() -> FaissIndex.builder(4, Metric.L2).nprobe(-2))
        .hasMessage("nprobe must be positive, was -2");
    try (FaissIndex index = FaissIndex.builder(4, Metric.L2).factory("HNSW8").build()) {
      index.upsert(1, new float[4]);
      assertThatThrownBy(() -> index.search(new float[4], 1, 0, 1, IdSet.empty(), Deadline.none()))
          .hasMessage("efSearch must be positive, was 0");
      assertThatThrownBy(() -> index.upsert(-1, new float[4]))
          .hasMessageContaining("id must not be -1");
      assertThatThrownBy(() -> index.upsertAll(new long[] {5, 5}, new float[8], d -> {}))
          .hasMessage("ids must be distinct; id 5 repeats");
      assertThat(index.size()).isEqualTo(1);
    }
  }

  // ---- files ----

  @ParameterizedTest
  @ValueSource(strings = {"Flat", "HNSW16", "IVF16,Flat", "IVF16,PQ4x4"})
  void saveThenOpen_returnsTheSameResultsAndIds(String factory) throws IOException {
    Random rnd = new Random(seed);
    int n = 1_000;
    float[] data = clustered(rnd, n, 16, 10);
    long[] ids = LongStream.range(0, n).map(i -> -(1L << 50) + 7 * i).toArray();
    Path file = temp.resolve("index.faiss");
    long[][] before = new long[10][];
    float[][] scores = new float[10][];
    try (FaissIndex index = filled(factory, 16, Metric.DOT, data, ids)) {
      for (int q = 0; q < 10; q++) {
        Neighbors got = index.search(row(data, q * 31, 16), 10);
        before[q] = got.ids();
        scores[q] = got.scores();
      }
      index.save(file);
    }
    try (FaissIndex opened = FaissIndex.open(file, 16, Metric.DOT)) {
      assertThat(opened.size()).isEqualTo(n);
      assertThat(opened.dimension()).isEqualTo(16);
      assertThat(opened.description()).isEqualTo("file index.faiss");
      for (int q = 0; q < 10; q++) {
        Neighbors got = opened.search(row(data, q * 31, 16), 10);
        assertThat(got.ids()).as("%s query %d", factory, q).containsExactly(before[q]);
        assertThat(got.scores()).containsExactly(scores[q], within(1e-5f));
      }
      if (opened.supportsRemove()) {
        assertThat(opened.remove(ids[5])).isTrue();
        assertThat(opened.size()).isEqualTo(n - 1);
      }
    }
  }

  private Path savedFlat(int dim, Metric metric) throws IOException {
    Path file = temp.resolve("flat-" + dim + "-" + metric + ".faiss");
    try (FaissIndex index = FaissIndex.builder(dim, metric).factory("Flat").build()) {
      index.upsertAll(LongStream.range(0, 50).toArray(), gaussianRows(new Random(seed), 50, dim), d -> {});
      index.save(file);
    }
    return file;
  }

  @Test
  void fileOfAnotherDimensionOrMetric_isRefusedNamingTheValues() throws IOException {
    Path file = savedFlat(8, Metric.L2);

    assertThatThrownBy(() -> FaissIndex.open(file, 16, Metric.L2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("has dimension 8, expected 16");
    assertThatThrownBy(() -> FaissIndex.open(file, Metric.COSINE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has metric L2, expected inner product for cosine");
    try (FaissIndex ok = FaissIndex.open(file, Metric.L2)) {
      assertThat(ok.size()).isEqualTo(50);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"Flat", "HNSW16", "IVF16,Flat", "IVF16,PQ4x4"})
  void truncatedFiles_giveIOExceptions_atEveryCut(String factory) throws IOException {
    Random rnd = new Random(seed);
    float[] data = gaussianRows(rnd, 600, 16);
    Path file = temp.resolve("whole.faiss");
    try (FaissIndex index = filled(factory, 16, Metric.L2, data, LongStream.range(0, 600).toArray())) {
      index.save(file);
    }
    byte[] bytes = Files.readAllBytes(file);
    int[] cuts = {0, 3, 4, 20, 36, 37, 45, 60, 100, bytes.length / 3, bytes.length / 2,
        bytes.length - 100, bytes.length - 9, bytes.length - 1};
    Path cut = temp.resolve("cut.faiss");
    for (int length : cuts) {
      Files.write(cut, Arrays.copyOf(bytes, length));
      assertThatThrownBy(() -> FaissIndex.open(cut, Metric.L2).close())
          .as("%s cut to %d of %d bytes", factory, length, bytes.length)
          .isInstanceOf(IOException.class)
          .hasMessageContaining(cut.toString());
    }
    try (FaissIndex whole = FaissIndex.open(file, Metric.L2)) {
      assertThat(whole.size()).as("the JVM and FAISS still work").isEqualTo(600);
    }
  }

  @Test
  void foreignOrCorruptFiles_giveIOExceptions() throws IOException {
    Path missing = temp.resolve("missing.faiss");
    assertThatThrownBy(() -> FaissIndex.open(missing, Metric.L2))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("missing.faiss");
    assertThatThrownBy(() -> FaissIndex.open(temp, Metric.L2))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is not a regular file");

    Random rnd = new Random(seed);
    Path random = temp.resolve("random.faiss");
    for (int round = 0; round < 20; round++) {
      byte[] junk = new byte[64 + rnd.nextInt(4_000)];
      rnd.nextBytes(junk);
      Files.write(random, junk);
      assertThatThrownBy(() -> FaissIndex.open(random, Metric.L2).close())
          .as("random bytes, round %d, seed %d", round, seed)
          .isInstanceOf(IOException.class);
    }

    byte[] good = Files.readAllBytes(savedFlat(8, Metric.L2));
    Path bad = temp.resolve("bad.faiss");
    byte[] wrongTag = good.clone();
    wrongTag[0] = 'Z';
    Files.write(bad, wrongTag);
    assertThatThrownBy(() -> FaissIndex.open(bad, Metric.L2))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a FAISS index file");
    byte[] wrongConstant = good.clone();
    wrongConstant[18] = 9;
    Files.write(bad, wrongConstant);
    assertThatThrownBy(() -> FaissIndex.open(bad, Metric.L2))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("corrupt");
    byte[] hugeCount = good.clone();
    hugeCount[14] = 0x7f;
    Files.write(bad, hugeCount);
    assertThatThrownBy(() -> FaissIndex.open(bad, Metric.L2))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("item count");
    // The inner Flat index of the IDMap2 claims a huge dimension: FAISS's reader must fail.
    byte[] innerDimension = good.clone();
    int inner = 4 + 4 + 8 + 8 + 8 + 1 + 4 + 4; // after the IDMap2 header and the inner tag
    innerDimension[inner + 2] = 0x10;
    Files.write(bad, innerDimension);
    assertThatThrownBy(() -> FaissIndex.open(bad, Metric.L2).close())
        .isInstanceOf(IOException.class);
    assertThat(FaissIndex.open(savedFlat(8, Metric.L2), Metric.L2).size()).isEqualTo(50);
  }

  // ---- lifecycle ----

  @Test
  void close_isIdempotent_andLaterCallsThrow() {
    FaissIndex index = FaissIndex.builder(4, Metric.L2).build();
    index.upsert(1, new float[] {1, 2, 3, 4});
    index.close();
    index.close();

    assertThatThrownBy(() -> index.search(new float[4], 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
    assertThatThrownBy(() -> index.upsert(2, new float[4]))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> index.save(temp.resolve("closed.faiss")))
        .isInstanceOf(IllegalStateException.class);
  }
}
