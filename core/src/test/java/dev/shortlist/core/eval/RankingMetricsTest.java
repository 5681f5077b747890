package dev.shortlist.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RankingMetricsTest {

  private static final double LOG2_3 = Math.log(3) / Math.log(2);
  private static final double LOG2_5 = Math.log(5) / Math.log(2);

  @Test
  void ndcg_discountsHitsByLogPosition_andNormalisesByTheIdealList() {
    // Hits at positions 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal: positions 1 and 2.
    double expected = (1 / LOG2_3 + 1 / LOG2_5) / (1 + 1 / LOG2_3);
    assertThat(RankingMetrics.ndcg(new long[] {1, 2, 3, 4}, Set.of(2L, 4L), 4))
        .isCloseTo(expected, within(1e-12))
        .isCloseTo(0.650921, within(1e-6));
  }

  @Test
  void ndcg_idealListIsCutAtK_andPerfectListScoresOne() {
    // Three relevant items, k = 2: the ideal DCG has two terms only.
    assertThat(RankingMetrics.ndcg(new long[] {9, 1}, Set.of(1L, 2L, 3L), 2))
        .isCloseTo((1 / LOG2_3) / (1 + 1 / LOG2_3), within(1e-12));
    assertThat(RankingMetrics.ndcg(new long[] {3, 1, 7}, Set.of(1L, 3L), 10)).isEqualTo(1.0);
    assertThat(RankingMetrics.ndcg(new long[] {7, 8}, Set.of(1L), 10)).isZero();
  }

  @Test
  void averagePrecision_averagesPrecisionAtEachHit_overMinOfKAndRelevant() {
    // Hits at 2 and 4: (1/2 + 2/4) / 2.
    assertThat(RankingMetrics.averagePrecision(new long[] {1, 2, 3, 4}, Set.of(2L, 4L), 4))
        .isCloseTo(0.5, within(1e-12));
    // One hit at 2 of 3 relevant, k = 2: (1/2) / min(2, 3).
    assertThat(RankingMetrics.averagePrecision(new long[] {9, 1}, Set.of(1L, 2L, 3L), 2))
        .isCloseTo(0.25, within(1e-12));
    // A hit beyond k does not count.
    assertThat(RankingMetrics.averagePrecision(new long[] {9, 8, 1}, Set.of(1L), 2)).isZero();
  }

  @Test
  void recall_isTheShareOfRelevantItemsInTheFirstK_shortListsCountAsMisses() {
    assertThat(RankingMetrics.recall(new long[] {1, 2, 3, 4}, Set.of(2L, 4L), 2)).isEqualTo(0.5);
    assertThat(RankingMetrics.recall(new long[] {1, 2, 3, 4}, Set.of(2L, 4L), 1)).isZero();
    assertThat(RankingMetrics.recall(new long[] {2}, Set.of(2L, 4L), 100)).isEqualTo(0.5);
  }

  @Test
  void metrics_areZeroWithoutRelevantItems() {
    long[] list = {1, 2, 3};
    assertThat(RankingMetrics.ndcg(list, Set.of(), 3)).isZero();
    assertThat(RankingMetrics.averagePrecision(list, Set.of(), 3)).isZero();
    assertThat(RankingMetrics.recall(list, Set.of(), 3)).isZero();
  }

  @Test
  void coverage_isDistinctRecommendedItemsOverCatalogueSize() {
    assertThat(RankingMetrics.coverage(Set.of(1L, 2L), 4)).isEqualTo(0.5);
    assertThatThrownBy(() -> RankingMetrics.coverage(Set.of(), 0))
        .hasMessage("catalogueSize must be positive, was 0");
  }

  @Test
  void nonPositiveK_isRefusedWithTheValue() {
    assertThatThrownBy(() -> RankingMetrics.ndcg(new long[] {1}, Set.of(1L), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("k must be positive, was 0");
  }
}
