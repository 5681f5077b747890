package dev.shortlist.ranking;

import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Scorer;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;

/** The scorer contract for {@link OnnxScorer} on an {@code ai.onnx.ml} tree ensemble. */
class OnnxTreeEnsembleScorerContractTest extends ScorerContractTest {

  private static final FeatureSchema SCHEMA = FeatureSchema.of("a", "b", "c", "d");
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
      OnnxModelBuilder.Ensemble e = OnnxModelBuilder.Ensemble.random(new Random(seed), 20, 4, 4);
      scorer =
          OnnxScorer.builder("trees", SCHEMA)
              .model(OnnxModelBuilder.treeEnsemble(e, 3, "NONE"))
              .sigmoid(true)
              .build();
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
