package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pure-Java evaluator against predictions written by XGBoost (1.7 and 3.0) and LightGBM (4.1)
 * themselves, on rows with missing values, rows that land exactly on split thresholds, and, for
 * LightGBM, zero-as-missing splits and trees too deep for the branch-free layout.
 */
class TreeEnsembleParityTest {

  static final double TOLERANCE = 1e-5;

  static Stream<TreeFixtures.Fixture> fixtures() {
    return TreeFixtures.all();
  }

  static TreeEnsembleScorer load(TreeFixtures.Fixture f, TreeEnsembleScorer.Output output) throws IOException {
    FeatureSchema schema = FeatureSchema.of(f.header());
    TreeEnsembleScorer.Options options = TreeEnsembleScorer.Options.defaults().withOutput(output);
    return f.isXgboost()
        ? TreeEnsembleScorer.fromXgboostJson(f.model(), schema, options)
        : TreeEnsembleScorer.fromLightGbm(f.model(), schema, options);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void marginAndPrediction_matchTheTrainingLibrary_onEveryRow(TreeFixtures.Fixture f) throws IOException {
    TreeEnsembleScorer margin = load(f, TreeEnsembleScorer.Output.MARGIN);
    TreeEnsembleScorer transformed = load(f, TreeEnsembleScorer.Output.TRANSFORMED);
    float[] m = margin.predict(f.rows(), f.rowCount());
    float[] p = transformed.predict(f.rows(), f.rowCount());
    double worstMargin = 0;
    double worstPrediction = 0;
    int exactMargins = 0;
    for (int r = 0; r < f.rowCount(); r++) {
      assertThat((double) m[r]).as("%s row %d margin", f, r).isCloseTo(f.margin()[r], org.assertj.core.data.Offset.offset(TOLERANCE));
      assertThat((double) p[r]).as("%s row %d prediction", f, r).isCloseTo(f.prediction()[r], org.assertj.core.data.Offset.offset(TOLERANCE));
      worstMargin = Math.max(worstMargin, Math.abs(m[r] - f.margin()[r]));
      exactMargins += m[r] == (float) f.margin()[r] ? 1 : 0;
      worstPrediction = Math.max(worstPrediction, Math.abs(p[r] - f.prediction()[r]));
    }
    System.out.printf(
        "parity %-26s %3d rows, %-38s max |Δ| margin %.1e, prediction %.1e; float-exact margins %d%n",
        f.name(), f.rowCount(), margin.ensemble(), worstMargin, worstPrediction, exactMargins);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void everyRow_matchesTheTrainingLibrary_withEachKernel(TreeFixtures.Fixture f) throws IOException {
    int w = f.features();
    float[] x = f.rows();
    int[] cols = new int[w];
    for (int j = 0; j < w; j++) {
      cols[j] = j;
    }
    List<TreeKernel> kernels = new ArrayList<>(List.of(TreeKernel.Scalar.INSTANCE, TreeKernel.DEFAULT));
    for (TreeEnsembleScorer.Output output : TreeEnsembleScorer.Output.values()) {
      boolean margin = output == TreeEnsembleScorer.Output.MARGIN;
      TreeEnsemble e = load(f, output).ensemble();
      double[] expected = margin ? f.margin() : f.prediction();
      for (TreeKernel kernel : kernels) {
        float[] got = e.predict(kernel, x, 0, w, cols, f.rowCount(), margin);
        for (int r = 0; r < f.rowCount(); r++) {
          assertThat((double) got[r]).as("%s row %d %s %s", f, r, output, kernel.name())
              .isCloseTo(expected[r], org.assertj.core.data.Offset.offset(TOLERANCE));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void fastPath_equalsTheNodeByNodeReference_bitForBit(TreeFixtures.Fixture f) throws IOException {
    for (TreeEnsembleScorer.Output output : TreeEnsembleScorer.Output.values()) {
      TreeEnsembleScorer s = load(f, output);
      float[] fast = s.predict(f.rows(), f.rowCount());
      int w = f.features();
      for (int r = 0; r < f.rowCount(); r++) {
        float ref = s.ensemble().referencePredict(
            Arrays.copyOfRange(f.rows(), r * w, (r + 1) * w), output == TreeEnsembleScorer.Output.MARGIN);
        assertThat(fast[r]).as("%s row %d %s", f, r, output).isEqualTo(ref);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void score_onAFeatureMatrix_equalsPredict_withColumnsInAnotherOrder(TreeFixtures.Fixture f) throws IOException {
    TreeEnsembleScorer s = load(f, TreeEnsembleScorer.Output.TRANSFORMED);
    int w = f.features();
    // FeatureMatrix holds no NaN: keep the complete rows, and present the columns reversed plus
    // an extra one.
    float[] complete = new float[f.rows().length];
    int n = 0;
    for (int r = 0; r < f.rowCount(); r++) {
      boolean ok = true;
      for (int j = 0; j < w; j++) {
        ok &= !Float.isNaN(f.rows()[r * w + j]);
      }
      if (ok) {
        System.arraycopy(f.rows(), r * w, complete, n++ * w, w);
      }
    }
    assertThat(n).as("%s has complete rows", f).isGreaterThan(10);
    complete = Arrays.copyOf(complete, n * w);
    String[] names = new String[w + 1];
    names[0] = "unused";
    for (int j = 0; j < w; j++) {
      names[w - j] = f.header().get(j);
    }
    float[] matrix = new float[n * (w + 1)];
    for (int r = 0; r < n; r++) {
      matrix[r * (w + 1)] = 42;
      for (int j = 0; j < w; j++) {
        matrix[r * (w + 1) + (w - j)] = complete[r * w + j];
      }
    }
    long[] ids = new long[n];
    Candidates c = Candidates.of("s", ids, new float[n])
        .withFeatures(FeatureMatrix.wrap(FeatureSchema.of(names), matrix, n));
    assertThat(s.score(ScorerContractTest.QUERY, c)).containsExactly(s.predict(complete, n));
  }
}
