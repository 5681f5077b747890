package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import dev.shortlist.core.eval.Interactions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InteractionFeaturesTest {

  // alice: items 1 (t=0, 5.0), 2 (t=50, 3.0); bob: item 1 (t=100, 4.0). Span 100.
  private static final Interactions LOG = Interactions.of(
      new String[] {"alice", "alice", "bob"}, new long[] {1, 2, 1},
      new float[] {5, 3, 4}, new long[] {0, 50, 100});

  private static FeatureMatrix assemble(FeatureAssembly a, String user, long... items) throws Exception {
    Candidates c = Candidates.of("test", items, new float[] {0.5f, 0.25f, 0.125f});
    return a.assemble(Query.of(Request.forUser(user).build(), Deadline.none()), c);
  }

  private static float get(FeatureMatrix m, int row, String feature) {
    return m.get(row, m.schema().indexOf(feature));
  }

  @Test
  void assemble_countsItemAndUserStatisticsFromTheLog() throws Exception {
    FeatureAssembly a = InteractionFeatures.builder(LOG).build();
    FeatureMatrix m = assemble(a, "alice", 1, 2, 99);

    assertThat(get(m, 0, "retrieval_score")).isEqualTo(0.5f);
    assertThat(get(m, 0, "item_log_count")).isCloseTo((float) Math.log1p(2), within(1e-6f));
    assertThat(get(m, 0, "item_mean_rating")).isEqualTo(4.5f);
    assertThat(get(m, 0, "item_age")).isEqualTo(1f); // first seen at the start of the span
    assertThat(get(m, 1, "item_staleness")).isEqualTo(0.5f); // last seen at t=50
    assertThat(get(m, 1, "item_user_time_gap")).isEqualTo(0f); // first seen when alice was last active
    assertThat(get(m, 0, "user_mean_rating")).isEqualTo(4f);
    assertThat(get(m, 0, "user_log_count")).isCloseTo((float) Math.log1p(2), within(1e-6f));
    assertThat(get(m, 0, "user_staleness")).isEqualTo(0.5f);
    assertThat(get(m, 2, "item_log_count")).as("unknown item: missing").isNaN();
  }

  @Test
  void categories_giveTheUsersShareOfTheCandidatesCategories() throws Exception {
    FeatureAssembly a = InteractionFeatures.builder(LOG)
        .categories(Map.of(1L, List.of("drama"), 2L, List.of("drama", "comedy"), 3L, List.of("horror")))
        .build();
    FeatureMatrix m = assemble(a, "alice", 2, 3, 1);
    // alice: both items drama (share 1), one comedy (share 0.5).
    assertThat(get(m, 0, "category_affinity_max")).isEqualTo(1f);
    assertThat(get(m, 0, "category_affinity_mean")).isEqualTo(0.75f);
    assertThat(get(m, 1, "category_affinity_max")).isEqualTo(0f);
  }
}
