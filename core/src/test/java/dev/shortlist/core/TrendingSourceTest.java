package dev.shortlist.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TrendingSourceTest {

  private final ManualTicker ticker = new ManualTicker();
  private final Query query = Query.of(Request.forUser("u").build(), Deadline.none());

  private TrendingSource source(int k) {
    return TrendingSource.builder("trending")
        .k(k)
        .halfLife(Duration.ofMinutes(10))
        .refreshEvery(Duration.ofSeconds(1))
        .ticker(ticker)
        .build();
  }

  @Test
  void retrieve_returnsTheMostWeightedItems_bestFirst_scoredRelativeToTheTop() {
    TrendingSource s = source(2);
    s.record(1, 1f);
    s.record(2, 3f);
    s.record(3, 2f);
    s.refresh();

    Candidates c = s.retrieve(query);
    assertThat(c.ids()).containsExactly(2, 3);
    assertThat(c.retrievalScore(0)).isEqualTo(1f);
    assertThat(c.retrievalScore(1)).isCloseTo(2f / 3, org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(c.source(0)).isEqualTo("trending");
  }

  @Test
  void olderInteractions_countLess_byTheHalfLife() {
    TrendingSource s = source(2);
    s.record(1, 1.5f);
    ticker.advance(Duration.ofMinutes(10)); // item 1 now weighs 0.75
    s.record(2, 1f);
    s.refresh();

    Candidates c = s.retrieve(query);
    assertThat(c.ids()).containsExactly(2, 1);
    assertThat(c.retrievalScore(1)).isCloseTo(0.75f, org.assertj.core.data.Offset.offset(1e-5f));
  }

  @Test
  void snapshot_isRefreshedByRecording_onlyOncePerInterval() {
    TrendingSource s = source(5);
    s.record(1, 1f); // first record refreshes: nothing refreshed yet
    assertThat(s.retrieve(query).ids()).containsExactly(1);
    s.record(2, 5f);
    assertThat(s.retrieve(query).ids()).containsExactly(1);
    ticker.advance(Duration.ofSeconds(1));
    s.record(3, 0.5f);
    assertThat(s.retrieve(query).ids()).containsExactly(2, 1, 3);
  }

  @Test
  void longRuns_rescaleTheLandmark_withoutLosingTheOrder() {
    TrendingSource s = source(3);
    s.record(7, 1f);
    for (int i = 0; i < 70; i++) {
      ticker.advance(Duration.ofMinutes(10)); // 70 half-lives: past the rescale point
      s.record(8, 1f);
    }
    s.record(9, 3f);
    s.refresh();
    assertThat(s.retrieve(query).ids()).containsExactly(9, 8);
    assertThat(s.trackedItems()).isEqualTo(2); // item 7 decayed below minWeight
  }

  @Test
  void builder_rejectsBadValues_namingThem() {
    assertThatThrownBy(() -> TrendingSource.builder("t").k(0))
        .hasMessage("k must be in [1, 100000], was 0");
    assertThatThrownBy(() -> TrendingSource.builder("t").halfLife(Duration.ZERO))
        .hasMessageContaining("halfLife must be positive");
    assertThatThrownBy(() -> source(1).record(1, Float.NaN))
        .hasMessage("weight must be finite, was NaN");
  }
}
