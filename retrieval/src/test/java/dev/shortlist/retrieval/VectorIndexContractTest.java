package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.DeadlineExceededException;
import dev.shortlist.core.IdSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link VectorIndex} must show, checked against {@link ReferenceIndex}: a
 * new implementation extends this class, implements {@link #newIndex}, and overrides the hooks
 * that describe what it cannot do exactly.
 *
 * <p>All data is drawn from seeded generators; the seed (override it with {@code
 * -Dshortlist.test.seed=...}) appears in every assertion message about data.
 */
abstract class VectorIndexContractTest {

  private static final int DIM = 16;

  /** The seed of every generator in this class. */
  protected final long seed = Long.getLong("shortlist.test.seed", 0x5EED_2026L);

  private final List<VectorIndex> opened = new ArrayList<>();

  /** A new, empty index; the kit closes it after the test. */
  protected abstract VectorIndex newIndex(int dimension, Metric metric);

  /** The recall@10 the index must reach on clustered data; 1.0 for an exact index. */
  protected double minRecallAt10() {
    return 1.0;
  }

  /** Whether {@link VectorIndex#remove} is supported; tests that need it are skipped if not. */
  protected boolean supportsRemove() {
    return true;
  }

  /**
   * How far a reported score may be from the reference score, relative to {@code max(1,
   * |score|)}; float rounding needs about 1e-5, quantized indexes need more.
   */
  protected double scoreTolerance() {
    return 1e-4;
  }

  @AfterEach
  final void closeIndexes() {
    opened.forEach(VectorIndex::close);
    opened.clear();
  }

  private VectorIndex index(int dimension, Metric metric) {
    VectorIndex index = newIndex(dimension, metric);
    opened.add(index);
    return index;
  }

  private void assumeRemove() {
    Assumptions.assumeTrue(
        supportsRemove(), () -> getClass().getSimpleName() + " does not support remove");
  }

  /** {@code what} with the seed, for assertion messages. */
  String at(String what) {
    return what + " (seed=" + seed + ")";
  }

  // ---- data ----

  static float[] gaussian(Random random, int dimension) {
    float[] v = new float[dimension];
    for (int i = 0; i < dimension; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  /** Fills both indexes with {@code n} gaussian vectors under ids 0..n-1. */
  private static void fill(VectorIndex index, ReferenceIndex ref, Random random, int n, int dim) {
    for (long id = 0; id < n; id++) {
      float[] v = gaussian(random, dim);
      index.upsert(id, v);
      ref.upsert(id, v);
    }
  }

  // ---- checks ----

  private double tolerance(double score) {
    return scoreTolerance() * Math.max(1, Math.abs(score));
  }

  /** Distinct ids, none excluded, scores finite and best first. */
  static void assertWellFormed(Neighbors got, int k, IdSet exclusions, String context) {
    assertThat(got.size()).as(context + ": result size").isLessThanOrEqualTo(k);
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < got.size(); i++) {
      assertThat(seen.add(got.id(i))).as(context + ": id %d returned twice", got.id(i)).isTrue();
      assertThat(exclusions.contains(got.id(i)))
          .as(context + ": excluded id %d returned", got.id(i))
          .isFalse();
      assertThat(Float.isFinite(got.score(i))).as(context + ": score %d finite", i).isTrue();
      if (i > 0) {
        assertThat(got.score(i))
            .as(context + ": scores best first at rank %d", i)
            .isLessThanOrEqualTo(got.score(i - 1));
      }
    }
  }

  /**
   * {@code got} is the true top-k up to float rounding: at every rank its score matches the
   * reference score at that rank, and every id's reported score is its true score. An approximate
   * index (minimum recall below 1) must instead reach its recall.
   */
  private void assertNearest(
      Neighbors got, ReferenceIndex ref, float[] query, int k, IdSet exclusions, String context) {
    List<ReferenceIndex.Hit> expected = ref.search(query, k, exclusions);
    assertWellFormed(got, k, exclusions, context);
    assertThat(got.size()).as(context + ": result size").isEqualTo(expected.size());
    for (int i = 0; i < got.size(); i++) {
      double trueScore = ref.score(query, got.id(i));
      assertThat((double) got.score(i))
          .as(context + ": reported score of id %d vs its true score", got.id(i))
          .isCloseTo(trueScore, within(tolerance(trueScore)));
    }
    if (minRecallAt10() >= 1.0) {
      for (int i = 0; i < got.size(); i++) {
        double want = expected.get(i).score();
        assertThat((double) got.score(i))
            .as(context + ": score at rank %d (expected id %d, got %d)", i,
                expected.get(i).id(), got.id(i))
            .isCloseTo(want, within(tolerance(want)));
      }
    } else {
      assertThat(recall(got, expected))
          .as(context + ": recall")
          .isGreaterThanOrEqualTo(minRecallAt10());
    }
  }

  /**
   * The fraction of {@code expected} found; a returned id whose true score ties the last expected
   * one (within tolerance) counts as found.
   */
  private double recall(Neighbors got, List<ReferenceIndex.Hit> expected) {
    if (expected.isEmpty()) {
      return 1.0;
    }
    Set<Long> want = new HashSet<>();
    expected.forEach(h -> want.add(h.id()));
    double floor = expected.get(expected.size() - 1).score();
    int hits = 0;
    for (int i = 0; i < Math.min(got.size(), expected.size()); i++) {
      if (want.contains(got.id(i)) || got.score(i) >= floor - tolerance(floor)) {
        hits++;
      }
    }
    return (double) hits / expected.size();
  }

  private record State(int size, List<long[]> ids, List<float[]> scores) {}

  private static State state(VectorIndex index, List<float[]> probes) {
    List<long[]> ids = new ArrayList<>();
    List<float[]> scores = new ArrayList<>();
    int k = Math.max(1, index.size());
    for (float[] probe : probes) {
      Neighbors n = index.search(probe, k);
      ids.add(n.ids());
      scores.add(n.scores());
    }
    return new State(index.size(), ids, scores);
  }

  private static void assertUnchanged(
      VectorIndex index, List<float[]> probes, State before, String context) {
    State after = state(index, probes);
    assertThat(after.size()).as(context + ": size").isEqualTo(before.size());
    for (int i = 0; i < probes.size(); i++) {
      assertThat(after.ids().get(i)).as(context + ": ids for probe %d", i)
          .containsExactly(before.ids().get(i));
      assertThat(after.scores().get(i)).as(context + ": scores for probe %d", i)
          .containsExactly(before.scores().get(i));
    }
  }

  /**
   * Runs {@code call}, expects an {@link IllegalArgumentException} whose message contains every
   * one of {@code mentions}, and checks that the index looks exactly as before.
   */
  private void assertRefused(
      VectorIndex index, Consumer<VectorIndex> call, String context, String... mentions) {
    Random random = new Random(seed);
    List<float[]> probes = List.of(
        nonZero(random, index.dimension()), nonZero(random, index.dimension()));
    State before = state(index, probes);
    assertThatThrownBy(() -> call.accept(index))
        .as(context)
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .contains(mentions);
    assertUnchanged(index, probes, before, context);
  }

  private static float[] nonZero(Random random, int dim) {
    float[] v = gaussian(random, dim);
    v[0] = v[0] == 0 ? 1 : v[0];
    return v;
  }

  static long[] longs(Set<Long> ids) {
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  private static float[] filled(int dim, float value) {
    float[] v = new float[dim];
    Arrays.fill(v, value);
    return v;
  }

  // ---- basic properties ----

  @Test
  void newIndex_reportsDimensionAndMetricAndIsEmpty() {
    VectorIndex index = index(24, Metric.DOT);

    assertThat(index.dimension()).isEqualTo(24);
    assertThat(index.metric()).isEqualTo(Metric.DOT);
    assertThat(index.size()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Metric.class)
  void search_onAnEmptyIndex_returnsNothing(Metric metric) {
    VectorIndex index = index(DIM, metric);

    Neighbors got = index.search(filled(DIM, 1f), 10);

    assertThat(got.size()).isZero();
  }

  // ---- search correctness ----

  @ParameterizedTest
  @EnumSource(Metric.class)
  void search_returnsTheTrueNearestNeighbours(Metric metric) {
    Random random = new Random(seed);
    VectorIndex index = index(DIM, metric);
    ReferenceIndex ref = new ReferenceIndex(metric);
    fill(index, ref, random, 400, DIM);

    assertThat(index.size()).isEqualTo(400);
    for (int q = 0; q < 25; q++) {
      float[] query = gaussian(random, DIM);
      Neighbors got = index.search(query, 10);
      assertNearest(got, ref, query, 10, IdSet.empty(), at(metric + " query " + q));
    }
  }

  @ParameterizedTest
  @EnumSource(Metric.class)
  void search_scoresFollowTheMetricDefinition_onAHandComputedExample(Metric metric) {
    VectorIndex index = index(2, metric);
    index.upsert(1, new float[] {2, 0});
    index.upsert(2, new float[] {1, 3});
    float[] query = {1, 1};

    Neighbors got = index.search(query, 2);

    // DOT: 2 and 4. L2: -(1 + 1) = -2 and -(0 + 4) = -4. COSINE: 2/(2·√2) and 4/(√10·√2).
    long[] ids = switch (metric) {
      case DOT, COSINE -> new long[] {2, 1};
      case L2 -> new long[] {1, 2};
    };
    double[] scores = switch (metric) {
      case DOT -> new double[] {4, 2};
      case L2 -> new double[] {-2, -4};
      case COSINE -> new double[] {4 / Math.sqrt(20), 1 / Math.sqrt(2)};
    };
    assertThat(got.ids()).containsExactly(ids);
    for (int i = 0; i < 2; i++) {
      assertThat((double) got.score(i)).as("score %d", i)
          .isCloseTo(scores[i], within(tolerance(scores[i])));
    }
  }

  @ParameterizedTest
  @EnumSource(Metric.class)
  void search_forAStoredVector_findsItWithTheBestPossibleScore(Metric metric) {
    Random random = new Random(seed);
    VectorIndex index = index(DIM, metric);
    ReferenceIndex ref = new ReferenceIndex(metric);
    fill(index, ref, random, 200, DIM);

    for (long id = 0; id < 200; id += 17) {
      float[] self = ref.vectors().get(id);
      Neighbors got = index.search(self, 5);
      assertNearest(got, ref, self, 5, IdSet.empty(), at(metric + " self-query for id " + id));
      if (metric != Metric.DOT) {
        double best = metric == Metric.L2 ? 0 : 1;
        assertThat(got.id(0)).as(at("nearest to id " + id + "'s own vector")).isEqualTo(id);
        assertThat((double) got.score(0)).as(at("self score of id " + id))
            .isCloseTo(best, within(tolerance(best)));
      }
    }
  }

  @Test
  void upsert_ofAnExistingId_replacesItsVector() {
    VectorIndex index = index(DIM, Metric.L2);
    ReferenceIndex ref = new ReferenceIndex(Metric.L2);
    Random random = new Random(seed);
    fill(index, ref, random, 50, DIM);
    float[] before = ref.vectors().get(7L);
    float[] after = filled(DIM, 25f);

    index.upsert(7, after);
    ref.upsert(7, after);

    assertThat(index.size()).isEqualTo(50);
    Neighbors nearAfter = index.search(after, 1);
    assertThat(nearAfter.ids()).containsExactly(7L);
    assertThat(nearAfter.score(0)).isCloseTo(0f, within(1e-6f));
    Neighbors all = index.search(before, 50);
    assertNearest(all, ref, before, 50, IdSet.empty(), at("old vector of id 7"));
  }

  @Test
  void upsert_copiesTheCallersArray() {
    VectorIndex index = index(DIM, Metric.L2);
    float[] v = filled(DIM, 1f);
    index.upsert(1, v);

    Arrays.fill(v, 100f);

    Neighbors got = index.search(filled(DIM, 1f), 1);
    assertThat(got.ids()).containsExactly(1L);
    assertThat(got.score(0)).isCloseTo(0f, within(1e-6f));
  }

  @Test
  void remove_ofAPresentId_makesItDisappearAndShrinksSize() {
    assumeRemove();
    Random random = new Random(seed);
    VectorIndex index = index(DIM, Metric.L2);
    ReferenceIndex ref = new ReferenceIndex(Metric.L2);
    fill(index, ref, random, 100, DIM);
    float[] removed = ref.vectors().get(42L);

    assertThat(index.remove(42)).isTrue();
    ref.remove(42);

    assertThat(index.size()).isEqualTo(99);
    Neighbors got = index.search(removed, 100);
    assertThat(got.ids()).doesNotContain(42L).hasSize(99);
    assertNearest(got, ref, removed, 100, IdSet.empty(), at("after removing id 42"));
  }

  @Test
  void remove_ofAnAbsentId_returnsFalseAndChangesNothing() {
    assumeRemove();
    Random random = new Random(seed);
    VectorIndex index = index(DIM, Metric.DOT);
    fill(index, new ReferenceIndex(Metric.DOT), random, 20, DIM);
    List<float[]> probes = List.of(gaussian(random, DIM));
    State before = state(index, probes);

    assertThat(index.remove(1_000)).isFalse();
    assertThat(index.remove(-1)).isFalse();

    assertUnchanged(index, probes, before, "after removing absent ids");
    assertThat(index.remove(3)).isTrue();
    assertThat(index.remove(3)).as("second removal of id 3").isFalse();
  }

  @Test
  void remove_ofEveryId_leavesAnEmptyIndexThatAcceptsNewVectors() {
    assumeRemove();
    Random random = new Random(seed);
    VectorIndex index = index(DIM, Metric.COSINE);
    fill(index, new ReferenceIndex(Metric.COSINE), random, 30, DIM);

    for (long id = 0; id < 30; id++) {
      assertThat(index.remove(id)).as("remove %d", id).isTrue();
    }

    assertThat(index.size()).isZero();
    assertThat(index.search(filled(DIM, 1f), 10).size()).isZero();
    index.upsert(5, filled(DIM, 1f));
    assertThat(index.search(filled(DIM, 1f), 10).ids()).containsExactly(5L);
  }

  @Test
  void randomUpsertsAndRemoves_matchTheReference() {
    Random random = new Random(seed);
    VectorIndex index = index(DIM, Metric.L2);
    ReferenceIndex ref = new ReferenceIndex(Metric.L2);

    for (int op = 0; op < 3_000; op++) {
      long id = random.nextInt(300);
      if (supportsRemove() && random.nextInt(3) == 0) {
        assertThat(index.remove(id)).as(at("remove " + id + " at op " + op))
            .isEqualTo(ref.remove(id));
      } else {
        float[] v = gaussian(random, DIM);
        index.upsert(id, v);
        ref.upsert(id, v);
      }
    }

    assertThat(index.size()).as(at("size")).isEqualTo(ref.size());
    for (int q = 0; q < 10; q++) {
      float[] query = gaussian(random, DIM);
      assertNearest(index.search(query, 10), ref, query, 10, IdSet.empty(), at("query " + q));
    }
    Neighbors all = index.search(gaussian(random, DIM), ref.size() + 10);
    assertThat(all.ids()).as(at("every id"))
        .containsExactlyInAnyOrder(longs(ref.vectors().keySet()));
  }

  // ---- exclusions and k ----

  @ParameterizedTest
  @EnumSource(Metric.class)
  void search_withExclusions_neverReturnsExcludedIds(Metric metric) {
    Random random = new Random(seed);
    VectorIndex index = index(DIM, metric);
    ReferenceIndex ref = new ReferenceIndex(metric);
    fill(index, ref, random, 300, DIM);
    float[] query = gaussian(random, DIM);
    long[] top50 = ref.search(query, 50, IdSet.empty()).stream()
        .mapToLong(ReferenceIndex.Hit::id).toArray();
    IdSet exclusions = IdSet.of(top50);

    Neighbors got = index.search(query, 10, exclusions, Deadline.none());

    assertThat(got.size()).as(at("k results with 250 eligible")).isEqualTo(10);
    assertThat(got.ids()).as(at("excluded top 50")).doesNotContain(top50);
    assertNearest(got, ref, query, 10, exclusions, at(metric + " with the top 50 excluded"));
  }

  @Test
  void search_withKLargerThanSize_returnsAllEligible() {
    Random random = new Random(seed);
    VectorIndex index = index(DIM, Metric.DOT);
    ReferenceIndex ref = new ReferenceIndex(Metric.DOT);
    fill(index, ref, random, 20, DIM);
    IdSet exclusions = IdSet.of(3, 11, 19, 500);
    float[] query = gaussian(random, DIM);

    Neighbors got = index.search(query, 1_000, exclusions, Deadline.none());

    assertThat(got.ids()).as(at("all eligible"))
        .hasSize(17)
        .doesNotContain(3L, 11L, 19L);
    assertNearest(got, ref, query, 1_000, exclusions, at("k > size"));
  }

  @Test
  void search_withEveryIdExcluded_returnsNothing() {
    Random random = new Random(seed);
    VectorIndex index = index(DIM, Metric.L2);
    fill(index, new ReferenceIndex(Metric.L2), random, 10, DIM);

    Neighbors got = index.search(
        gaussian(random, DIM), 5, IdSet.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), Deadline.none());

    assertThat(got.size()).isZero();
  }

  // ---- refused input ----

  private VectorIndex populated(Metric metric) {
    VectorIndex index = index(DIM, metric);
    fill(index, new ReferenceIndex(metric), new Random(seed), 30, DIM);
    return index;
  }

  @ParameterizedTest
  @ValueSource(ints = {DIM - 1, DIM + 1, 0})
  void upsert_withWrongDimension_throwsAndLeavesIndexUnchanged(int length) {
    VectorIndex index = populated(Metric.L2);

    assertRefused(index, i -> i.upsert(4242, filled(length, 1f)),
        "new id, length " + length, "4242", String.valueOf(DIM), String.valueOf(length));
    assertRefused(index, i -> i.upsert(7, filled(length, 1f)),
        "existing id, length " + length, "7", String.valueOf(DIM), String.valueOf(length));
  }

  @ParameterizedTest
  @EnumSource(Metric.class)
  void upsert_withNaNComponent_throwsAndLeavesIndexUnchanged(Metric metric) {
    VectorIndex index = populated(metric);
    float[] v = filled(DIM, 1f);
    v[5] = Float.NaN;

    assertRefused(index, i -> i.upsert(4242, v), "NaN for a new id", "4242", "NaN");
    assertRefused(index, i -> i.upsert(7, v), "NaN for an existing id", "7", "NaN");
  }

  @ParameterizedTest
  @ValueSource(floats = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
  void upsert_withInfiniteComponent_throwsAndLeavesIndexUnchanged(float infinity) {
    VectorIndex index = populated(Metric.DOT);
    float[] v = filled(DIM, 1f);
    v[DIM - 1] = infinity;

    assertRefused(index, i -> i.upsert(4242, v), "infinity", "4242", "Infinity");
    assertRefused(index, i -> i.upsert(7, v), "infinity for an existing id", "7", "Infinity");
  }

  @Test
  void upsert_withZeroVector_forCosine_throwsAndLeavesIndexUnchanged() {
    VectorIndex index = populated(Metric.COSINE);

    assertRefused(index, i -> i.upsert(4242, new float[DIM]), "zero vector", "4242", "zero");
    assertRefused(index, i -> i.upsert(7, new float[DIM]), "zero vector for existing id", "7",
        "zero");
  }

  @ParameterizedTest
  @EnumSource(value = Metric.class, names = {"DOT", "L2"})
  void upsert_withZeroVector_forOtherMetrics_isAccepted(Metric metric) {
    VectorIndex index = index(DIM, metric);

    index.upsert(1, new float[DIM]);

    assertThat(index.size()).isEqualTo(1);
    assertThat(index.search(filled(DIM, 1f), 1).ids()).containsExactly(1L);
  }

  @Test
  void upsert_withNullVector_throwsAndLeavesIndexUnchanged() {
    VectorIndex index = populated(Metric.L2);

    assertRefused(index, i -> i.upsert(4242, null), "null vector", "vector");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void search_withNonPositiveK_throws(int k) {
    VectorIndex index = populated(Metric.L2);

    assertRefused(index, i -> i.search(filled(DIM, 1f), k), "k=" + k, "k", String.valueOf(k));
  }

  @Test
  void search_withNullQuery_throws() {
    VectorIndex index = populated(Metric.DOT);

    assertRefused(index, i -> i.search(null, 10), "null query", "query");
  }

  @ParameterizedTest
  @ValueSource(ints = {DIM - 1, DIM + 1})
  void search_withWrongDimensionQuery_throws(int length) {
    VectorIndex index = populated(Metric.COSINE);

    assertRefused(index, i -> i.search(filled(length, 1f), 10),
        "query length " + length, "query", String.valueOf(DIM), String.valueOf(length));
  }

  @ParameterizedTest
  @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
  void search_withNonFiniteQuery_throws(float bad) {
    VectorIndex index = populated(Metric.L2);
    float[] query = filled(DIM, 1f);
    query[2] = bad;

    assertRefused(index, i -> i.search(query, 10), "query with " + bad, "query",
        String.valueOf(bad));
  }

  @Test
  void search_withZeroQuery_forCosine_throws() {
    VectorIndex index = populated(Metric.COSINE);

    assertRefused(index, i -> i.search(new float[DIM], 10), "zero query", "query", "zero");
  }

  // ---- deadline ----

  @Test
  void search_withAnExpiredDeadline_throwsDeadlineExceeded() {
    VectorIndex index = populated(Metric.L2);
    ManualTicker ticker = new ManualTicker();
    Deadline deadline = Deadline.after(Duration.ofNanos(1), ticker);
    ticker.advance(Duration.ofMillis(1));

    assertThatThrownBy(() -> index.search(filled(DIM, 1f), 10, IdSet.empty(), deadline))
        .isInstanceOf(DeadlineExceededException.class);
    assertThat(index.size()).isEqualTo(30);
  }

  @Test
  void search_withAnUnexpiredDeadline_succeeds() {
    VectorIndex index = populated(Metric.L2);
    ManualTicker ticker = new ManualTicker();
    Deadline deadline = Deadline.after(Duration.ofMillis(100), ticker);

    Neighbors got = index.search(filled(DIM, 1f), 10, IdSet.empty(), deadline);

    assertThat(got.size()).isEqualTo(10);
  }

  // ---- recall ----

  @ParameterizedTest
  @EnumSource(Metric.class)
  void search_onClusteredData_reachesMinimumRecallAt10(Metric metric) {
    int n = 5_000;
    int dim = 32;
    int clusters = 50;
    Random random = new Random(seed);
    float[][] centres = new float[clusters][];
    for (int c = 0; c < clusters; c++) {
      centres[c] = gaussian(random, dim);
    }
    VectorIndex index = index(dim, metric);
    ReferenceIndex ref = new ReferenceIndex(metric);
    for (long id = 0; id < n; id++) {
      float[] centre = centres[random.nextInt(clusters)];
      float[] v = new float[dim];
      for (int i = 0; i < dim; i++) {
        v[i] = centre[i] + 0.3f * (float) random.nextGaussian();
      }
      index.upsert(id, v);
      ref.upsert(id, v);
    }

    double total = 0;
    int queries = 100;
    for (int q = 0; q < queries; q++) {
      float[] centre = centres[random.nextInt(clusters)];
      float[] query = new float[dim];
      for (int i = 0; i < dim; i++) {
        query[i] = centre[i] + 0.3f * (float) random.nextGaussian();
      }
      Neighbors got = index.search(query, 10);
      assertWellFormed(got, 10, IdSet.empty(), at(metric + " query " + q));
      assertThat(got.size()).as(at(metric + " query " + q + " result size")).isEqualTo(10);
      total += recall(got, ref.search(query, 10, IdSet.empty()));
    }

    assertThat(total / queries).as(at(metric + " mean recall@10 over " + n + " × " + dim))
        .isGreaterThanOrEqualTo(minRecallAt10());
  }

  // ---- concurrency ----

  @Test
  void concurrentWritersAndReaders_leaveTheIndexConsistent() throws Exception {
    int dim = 8;
    int writers = 2;
    int readers = 2;
    int idsPerWriter = 300;
    int writesPerWriter = 4_000;
    int searchesPerReader = 400;
    long idSpan = 1_000_000L;
    VectorIndex index = index(dim, Metric.L2);
    List<Map<Long, float[]>> expected = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger threadNumber = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(writers + readers,
        r -> new Thread(r, "contract-test-" + threadNumber.incrementAndGet()));
    try {
      List<Future<?>> tasks = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        long base = w * idSpan;
        Random random = new Random(seed + w);
        Map<Long, float[]> mine = new HashMap<>();
        expected.add(mine);
        tasks.add(pool.submit(() -> {
          start.await();
          for (int op = 0; op < writesPerWriter; op++) {
            long id = base + random.nextInt(idsPerWriter);
            if (supportsRemove() && random.nextInt(4) == 0) {
              boolean removed = index.remove(id);
              if (removed != (mine.remove(id) != null)) {
                throw new AssertionError(at("remove(" + id + ") returned " + removed));
              }
            } else {
              float[] v = gaussian(random, dim);
              index.upsert(id, v);
              mine.put(id, v);
            }
          }
          return null;
        }));
      }
      for (int r = 0; r < readers; r++) {
        Random random = new Random(seed + 100 + r);
        tasks.add(pool.submit(() -> {
          start.await();
          for (int s = 0; s < searchesPerReader; s++) {
            IdSet exclusions = IdSet.of(random.nextInt(idsPerWriter), idSpan + 1);
            Neighbors got = index.search(gaussian(random, dim), 10, exclusions, Deadline.none());
            assertWellFormed(got, 10, exclusions, at("concurrent search " + s));
            for (int i = 0; i < got.size(); i++) {
              long owner = got.id(i) / idSpan;
              if (owner < 0 || owner >= writers || got.id(i) % idSpan >= idsPerWriter) {
                throw new AssertionError(at("search returned unknown id " + got.id(i)));
              }
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> task : tasks) {
        task.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    Map<Long, float[]> all = new HashMap<>();
    expected.forEach(all::putAll);
    assertThat(index.size()).as(at("size after concurrent writes")).isEqualTo(all.size());
    for (Map.Entry<Long, float[]> e : all.entrySet()) {
      Neighbors got = index.search(e.getValue(), 1);
      assertThat(got.ids()).as(at("nearest to id " + e.getKey() + "'s own vector"))
          .containsExactly(e.getKey());
    }
    Neighbors everything = index.search(new float[dim], all.size() + 10);
    assertThat(everything.ids()).as(at("every id after concurrent writes"))
        .containsExactlyInAnyOrder(longs(all.keySet()));
  }

  /** Whether {@link VectorIndex#vector(long)} is supported; its test is skipped if not. */
  protected boolean supportsVectorLookup() {
    return true;
  }

  @Test
  void vector_returnsTheStoredVector_orNullOnceAbsent() {
    Assumptions.assumeTrue(
        supportsVectorLookup(), () -> getClass().getSimpleName() + " does not return vectors");
    VectorIndex l2 = index(4, Metric.L2);
    l2.upsert(7, new float[] {1, 2, 3, 4});
    l2.upsert(8, new float[] {0, 0, 0, 1});
    assertThat(l2.vector(7)).containsExactly(1, 2, 3, 4);
    assertThat(l2.vector(9)).isNull();
    l2.upsert(7, new float[] {4, 3, 2, 1});
    assertThat(l2.vector(7)).containsExactly(4, 3, 2, 1);
    float[] copy = l2.vector(8);
    copy[0] = 99;
    assertThat(l2.vector(8)).containsExactly(0, 0, 0, 1);
    if (supportsRemove()) {
      l2.remove(7);
      assertThat(l2.vector(7)).isNull();
    }
    VectorIndex cosine = index(2, Metric.COSINE);
    cosine.upsert(1, new float[] {3, 4});
    assertThat(cosine.vector(1)).containsExactly(new float[] {0.6f, 0.8f}, within(1e-6f));
  }
}
