package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Scorer;
import org.junit.jupiter.api.Test;

class BlendedScorerContractTest extends ScorerContractTest {

  @Override
  protected FeatureSchema schema() {
    return FeatureSchema.of("x", "y");
  }

  @Override
  protected Scorer scorer() {
    return BlendedScorer.builder("blend")
        .head(LinearScorer.builder("click").weight("x", 1).logistic(true).build(), 0.7f)
        .head(LinearScorer.builder("watch").weight("y", 3).build(), 0.3f)
        .build();
  }

  @Test
  void blend_isTheWeightedSumOfTheHeads() throws Exception {
    Candidates c =
        Candidates.of("s", new long[] {1}, new float[] {0})
            .withFeatures(FeatureMatrix.wrap(schema(), new float[] {0, 2}, 1));
    assertThat(scorer().score(QUERY, c)[0]).isEqualTo(0.7f * 0.5f + 0.3f * 6f);
    assertThat(scorer().requiredFeatures()).containsExactly("x", "y");
  }

  @Test
  void builder_refusesBadHeads() {
    assertThatThrownBy(() -> BlendedScorer.builder("b").head(LinearScorer.builder("h").weight("x", 1).build(), Float.NaN))
        .hasMessage("weight of head 'h' must be finite, was NaN");
    Scorer h = LinearScorer.builder("h").weight("x", 1).build();
    assertThatThrownBy(() -> BlendedScorer.builder("b").head(h, 1).head(h, 2))
        .hasMessage("duplicate head name 'h'");
    assertThatThrownBy(() -> BlendedScorer.builder("b").build()).isInstanceOf(IllegalStateException.class);
  }
}
