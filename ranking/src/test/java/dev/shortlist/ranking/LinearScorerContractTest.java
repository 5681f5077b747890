package dev.shortlist.ranking;

import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Scorer;

class LinearScorerContractTest extends ScorerContractTest {

  @Override
  protected FeatureSchema schema() {
    return FeatureSchema.of("a", "b", "c");
  }

  @Override
  protected Scorer scorer() {
    return LinearScorer.builder("lin").bias(0.1f).weight("c", 2).weight("a", -1).logistic(true).build();
  }
}
