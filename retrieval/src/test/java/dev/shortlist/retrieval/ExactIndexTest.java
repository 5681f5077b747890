package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.DeadlineExceededException;
import dev.shortlist.core.IdSet;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ExactIndexTest extends VectorIndexContractTest {

  @Override
  protected VectorIndex newIndex(int dimension, Metric metric) {
    return ExactIndex.create(dimension, metric);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, ExactIndex.MAX_DIMENSION + 1})
  void create_withDimensionOutOfRange_throwsNamingIt(int dimension) {
    assertThatThrownBy(() -> ExactIndex.create(dimension, Metric.L2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dimension must be in [1, 65536], was " + dimension);
  }

  @Test
  void create_withNullMetric_throwsNpe() {
    assertThatThrownBy(() -> ExactIndex.create(4, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("metric");
  }

  @Test
  void upsert_withWrongDimension_namesBothDimensionsAndTheId() {
    ExactIndex index = ExactIndex.create(64, Metric.DOT);

    assertThatThrownBy(() -> index.upsert(7, new float[63]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dimension mismatch: index has 64, vector for id 7 has 63");
  }

  @Test
  void upsert_withNaN_namesTheIdAndTheComponentIndex() {
    ExactIndex index = ExactIndex.create(4, Metric.L2);

    assertThatThrownBy(() -> index.upsert(9, new float[] {0, 1, 2, Float.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("vector for id 9 has a non-finite component: [3] = NaN");
  }

  @Test
  void search_withWrongDimension_namesBothDimensions() {
    ExactIndex index = ExactIndex.create(64, Metric.L2);

    assertThatThrownBy(() -> index.search(new float[63], 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dimension mismatch: index has 64, query has 63");
  }

  @Test
  void search_withNullExclusionsOrDeadline_throwsNpeNamingIt() {
    ExactIndex index = ExactIndex.create(2, Metric.L2);
    float[] q = {1, 2};

    assertThatThrownBy(() -> index.search(q, 1, null, Deadline.none()))
        .isInstanceOf(NullPointerException.class).hasMessage("exclusions");
    assertThatThrownBy(() -> index.search(q, 1, IdSet.empty(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("deadline");
  }

  @ParameterizedTest
  @EnumSource(Metric.class)
  void search_withEqualScores_breaksTiesBySmallerId(Metric metric) {
    ExactIndex index = ExactIndex.create(3, metric);
    for (long id : new long[] {9, 3, 12, 5, -4, 7}) {
      index.upsert(id, new float[] {1, 2, 3});
    }
    index.upsert(100, new float[] {-1, -2, -3});

    Neighbors got = index.search(new float[] {1, 2, 3}, 4, IdSet.of(5), Deadline.none());

    assertThat(got.ids()).containsExactly(-4L, 3L, 7L, 9L);
  }

  @Test
  void search_checksTheDeadlineDuringTheScan() {
    ExactIndex index = ExactIndex.create(4, Metric.DOT);
    Random random = new Random(seed);
    for (long id = 0; id < 50_000; id++) {
      index.upsert(id, gaussian(random, 4));
    }
    ManualTicker ticker = new ManualTicker(Duration.ofMillis(1));
    Deadline deadline = Deadline.after(Duration.ofMillis(3), ticker);

    assertThatThrownBy(() -> index.search(new float[] {1, 1, 1, 1}, 10, IdSet.empty(), deadline))
        .isInstanceOf(DeadlineExceededException.class)
        .hasMessageContaining("exact search");
    assertThat(ticker.reads()).as("deadline reads: creation, start of scan, during scan")
        .isGreaterThanOrEqualTo(4);
  }

  @ParameterizedTest
  @EnumSource(Metric.class)
  void search_withScalarMath_agreesWithTheDefaultMath(Metric metric) {
    Random random = new Random(seed);
    int dim = 77;
    ExactIndex simd = ExactIndex.create(dim, metric);
    ExactIndex scalar = ExactIndex.create(dim, metric, ScalarVectorMath.INSTANCE);
    for (long id = 0; id < 2_000; id++) {
      float[] v = gaussian(random, dim);
      simd.upsert(id, v);
      scalar.upsert(id, v);
    }

    for (int q = 0; q < 20; q++) {
      float[] query = gaussian(random, dim);
      Neighbors a = simd.search(query, 20);
      Neighbors b = scalar.search(query, 20);
      for (int i = 0; i < 20; i++) {
        float tolerance = 1e-4f * Math.max(1, Math.abs(b.score(i)));
        assertThat(a.score(i)).as("seed=%d, query %d, rank %d", seed, q, i)
            .isCloseTo(b.score(i), within(tolerance));
      }
    }
  }

  @Test
  void vectorImplementation_isTheVectorApi_inTheTestJvm() {
    assertThat(ModuleLayer.boot().findModule("jdk.incubator.vector"))
        .as("Surefire must run tests with --add-modules jdk.incubator.vector")
        .isPresent();

    assertThat(ExactIndex.vectorImplementation()).startsWith("Panama Vector API");
    assertThat(ExactIndex.create(4, Metric.L2).toString()).contains("Panama Vector API");
  }
}
