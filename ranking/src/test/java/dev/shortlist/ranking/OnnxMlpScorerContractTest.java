package dev.shortlist.ranking;

import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Scorer;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;

/** The scorer contract for {@link OnnxScorer} on a small MLP (MatMul, Add, Relu, Sigmoid). */
class OnnxMlpScorerContractTest extends ScorerContractTest {

  private static final FeatureSchema SCHEMA = FeatureSchema.of("a", "b", "c", "d", "e");
  private static OnnxScorer scorer;

  @Override
  protected FeatureSchema schema() {
    return SCHEMA;
  }

  @Override
  protected Scorer scorer() throws Exception {
    return shared(seed);
  }

  /** One model for the whole class: loading it per test would only test loading. */
  private static synchronized OnnxScorer shared(long seed) throws Exception {
    if (scorer == null) {
      byte[] model = OnnxModelBuilder.mlp(OnnxModelBuilder.Mlp.random(new Random(seed), 5, 16));
      scorer = OnnxScorer.builder("mlp", SCHEMA).model(model).build();
    }
    return scorer;
  }

  @AfterAll
  static synchronized void close() {
    if (scorer != null) {
      scorer.close();
      scorer = null;
    }
  }
}
