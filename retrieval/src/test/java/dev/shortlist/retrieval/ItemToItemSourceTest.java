package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.Interaction;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import dev.shortlist.core.UserActivity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ItemToItemSourceTest {

  /** Items on a line: id i at x = i. */
  private static ExactIndex line(int n) {
    ExactIndex index = ExactIndex.create(1, Metric.L2);
    for (int i = 0; i < n; i++) {
      index.upsert(i, new float[] {i});
    }
    return index;
  }

  private static Query query(Request request, long... recentNewestFirst) {
    Interaction[] in = new Interaction[recentNewestFirst.length];
    for (int i = 0; i < in.length; i++) {
      in[i] = new Interaction(request.userId(), recentNewestFirst[i], "view", 1,
          Instant.ofEpochSecond(1000 - i));
    }
    return Query.of(request, Deadline.none(), UserActivity.of(request.userId(), List.of(in)), Map.of());
  }

  @Test
  void retrieve_mergesNeighboursOfTheMostRecentItems_excludingSeedsAndExclusions() {
    ItemToItemSource source = ItemToItemSource.builder("i2i", line(100)).seeds(2).k(3).build();
    Request request = Request.forUser("u").exclude(21).build();

    Candidates c = source.retrieve(query(request, 20, 50, 80));

    // Seeds 20 and 50 (80 is the third most recent); neighbours of 20 without 20 and 21: 19, 22, 18.
    assertThat(c.ids()).containsExactlyInAnyOrder(19, 22, 18, 49, 51, 48);
    assertThat(c.sourceNames()).containsExactly("i2i");
  }

  @Test
  void retrieve_keepsEachItemOnceWithItsBestScore() {
    ItemToItemSource source = ItemToItemSource.builder("i2i", line(100)).seeds(2).k(4).build();

    Candidates c = source.retrieve(query(Request.forUser("u").build(), 10, 12));

    // 11 is a neighbour of both (distance 1 from each): once, score -1.
    assertThat(c.ids()).doesNotHaveDuplicates();
    int row = java.util.Arrays.stream(c.ids()).boxed().toList().indexOf(11L);
    assertThat(c.retrievalScore(row)).isEqualTo(-1f);
  }

  @Test
  void retrieve_discountsOlderSeeds() {
    ExactIndex index = ExactIndex.create(2, Metric.COSINE);
    index.upsert(1, new float[] {1, 0});
    index.upsert(2, new float[] {1, 0.01f});
    index.upsert(3, new float[] {0, 1});
    index.upsert(4, new float[] {0.01f, 1});
    ItemToItemSource source = ItemToItemSource.builder("i2i", index).seeds(2).k(1).decay(0.5).build();

    Candidates c = source.retrieve(query(Request.forUser("u").build(), 1, 3));

    assertThat(c.ids()).containsExactly(2, 4);
    assertThat(c.retrievalScore(1)).isCloseTo(c.retrievalScore(0) * 0.5f, org.assertj.core.data.Offset.offset(1e-6f));
  }

  @Test
  void retrieve_withoutActivityOrIndexedItems_isEmpty() {
    ItemToItemSource source = ItemToItemSource.builder("i2i", line(10)).build();
    assertThat(source.retrieve(query(Request.forUser("u").build())).isEmpty()).isTrue();
    assertThat(source.retrieve(query(Request.forUser("u").build(), 555)).isEmpty()).isTrue();
  }

  @Test
  void builder_refusesBadSettingsNamingTheValue() {
    assertThatThrownBy(() -> ItemToItemSource.builder("i2i", line(1)).seeds(0))
        .hasMessage("seeds must be in [1, 100], was 0");
    assertThatThrownBy(() -> ItemToItemSource.builder("i2i", line(1)).decay(1.5))
        .hasMessage("decay must be in (0, 1], was 1.5");
    assertThatThrownBy(() -> ItemToItemSource.builder(" ", line(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
