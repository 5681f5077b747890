package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Scorer;
import org.junit.jupiter.api.Test;

/** The scorer contract kit over an XGBoost and a LightGBM model (a blend of both). */
class TreeEnsembleScorerContractTest extends ScorerContractTest {

  @Override
  protected FeatureSchema schema() {
    return FeatureSchema.of("feat_f", "feat_e", "feat_d", "feat_c", "feat_b", "feat_a");
  }

  @Override
  protected Scorer scorer() throws Exception {
    return BlendedScorer.builder("blend")
        .head(TreeEnsembleScorer.fromXgboostJson(TreeFixtures.file("xgb3-binary-logistic.json"), schema()), 0.5f)
        .head(TreeEnsembleScorer.fromLightGbm(TreeFixtures.file("lgbm-lambdarank.txt"), schema()), 0.5f)
        .build();
  }

  @Test
  void eachModel_keepsTheContract_alone() throws Exception {
    Scorer xgb = TreeEnsembleScorer.fromXgboostJson(TreeFixtures.file("xgb3-rank-ndcg.json"), schema());
    Candidates c = randomCandidates(new java.util.Random(seed), 300);
    float[] s = xgb.score(QUERY, c);
    assertThat(s).as("seed %d", seed).hasSize(300);
    float[] single = xgb.score(QUERY, permuted(c, new int[] {123}));
    assertThat(single[0]).as("seed %d", seed).isEqualTo(s[123]);
  }

  @Test
  void score_withoutFeatures_orWithoutAModelFeature_fails() throws Exception {
    TreeEnsembleScorer s = TreeEnsembleScorer.fromXgboostJson(TreeFixtures.file("xgb3-binary-logistic.json"), schema());
    assertThatThrownBy(() -> s.score(QUERY, Candidates.of("s", new long[] {1}, new float[] {0})))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs assembled features");
    Candidates other = Candidates.of("s", new long[] {1}, new float[] {0})
        .withFeatures(FeatureMatrix.wrap(FeatureSchema.of("feat_a"), new float[] {1}, 1));
    assertThatThrownBy(() -> s.score(QUERY, other))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs feature 'feat_b'");
  }

  @Test
  void swappableScorer_acceptsATreeModel_forTheSchema() throws Exception {
    SwappableScorer swappable = SwappableScorer.create("ranker", schema(),
        LinearScorer.builder("lin").weight("feat_a", 1).build());
    SwappableScorer.Swap swap = swappable.swap(
        () -> TreeEnsembleScorer.fromLightGbm(TreeFixtures.file("lgbm-binary.txt"), schema()));
    assertThat(swap.swapped()).as(swap.reason()).isTrue();
    SwappableScorer.Swap bad = swappable.swap(
        () -> TreeEnsembleScorer.fromLightGbm(TreeFixtures.file("xgb3-binary-logistic.json"), schema()));
    assertThat(bad.swapped()).isFalse();
    assertThat(bad.reason()).contains("xgb3-binary-logistic.json", "not a LightGBM");
  }
}
