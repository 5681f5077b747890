package dev.shortlist.bench.jmh;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import dev.shortlist.ranking.TreeEnsembleScorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure-Java tree scorer against XGBoost4J's native {@code inplace_predict} (one thread) on
 * the same model, trained here by XGBoost (binary:logistic, depth 6), and the same rows. Goal:
 * {@code shortlist} ≤ 0.5 × {@code xgboost4j} for 1,000 rows × 32 features, 200 trees. Both
 * return transformed predictions; setup checks they agree to 1e-5.
 *
 * <p>Run: {@code java -cp bench/target/shortlist.jar org.openjdk.jmh.Main
 * XgboostComparisonBenchmark} (needs libgomp).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class XgboostComparisonBenchmark {

  private static final int INPUTS = 16;

  @Param({"1000"})
  int rows;

  @Param({"32"})
  int features;

  @Param({"200"})
  int trees;

  @Param({"6"})
  int depth;

  private TreeEnsembleScorer scorer;
  private Booster booster;
  private Candidates[] candidates;
  private float[][] flat;
  private Query query;
  private int cursor;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Random rnd = new Random(42);
    int trainRows = 20_000;
    float[] train = new float[trainRows * features];
    float[] label = new float[trainRows];
    for (int r = 0; r < trainRows; r++) {
      double s = 0;
      for (int j = 0; j < features; j++) {
        float x = (float) rnd.nextGaussian();
        train[r * features + j] = x;
        s += (j % 3 == 0 ? Math.sin(x * (j + 1)) : x * x * 0.1 - 0.1) * (1 + j % 5);
      }
      label[r] = s + rnd.nextGaussian() > 0 ? 1 : 0;
    }
    DMatrix dtrain = new DMatrix(train, trainRows, features, Float.NaN);
    dtrain.setLabel(label);
    Map<String, Object> params = new HashMap<>();
    params.put("objective", "binary:logistic");
    params.put("max_depth", depth);
    params.put("eta", 0.1);
    params.put("seed", 1);
    params.put("nthread", 2);
    params.put("tree_method", "hist");
    params.put("min_child_weight", 0);
    Booster trained = XGBoost.train(dtrain, params, trees, new HashMap<>(), null, null);
    Path model = Files.createTempFile("xgb-comparison-", ".json");
    try {
      trained.saveModel(model.toString());
      trained.dispose();
      dtrain.dispose();
      booster = XGBoost.loadModel(model.toString());
      booster.setParam("nthread", "1");
      List<String> names = new ArrayList<>();
      for (int j = 0; j < features; j++) {
        names.add("f" + j);
      }
      scorer =
          TreeEnsembleScorer.fromXgboostJson(
              model, FeatureSchema.of(names),
              TreeEnsembleScorer.Options.defaults().withName("trees").withFeatureNames(names));
    } finally {
      Files.deleteIfExists(model);
    }
    FeatureSchema schema = FeatureSchema.of(scorer.requiredFeatures());
    candidates = new Candidates[INPUTS];
    flat = new float[INPUTS][];
    for (int i = 0; i < INPUTS; i++) {
      float[] x = new float[rows * features];
      for (int k = 0; k < x.length; k++) {
        x[k] = (float) rnd.nextGaussian();
      }
      flat[i] = x;
      candidates[i] =
          Candidates.of("bench", Fixtures.ids(rows), new float[rows])
              .withFeatures(FeatureMatrix.wrap(schema, x.clone(), rows));
    }
    query = Query.of(Request.forUser("bench").build(), Deadline.none());
    float[] ours = scorer.score(query, candidates[0]);
    float[][] theirs = booster.inplace_predict(flat[0], rows, features, Float.NaN);
    for (int r = 0; r < rows; r++) {
      if (Math.abs(ours[r] - theirs[r][0]) > 1e-5) {
        throw new IllegalStateException(
            "row " + r + ": shortlist " + ours[r] + ", xgboost4j " + theirs[r][0]);
      }
    }
    System.err.println("\nsame predictions as XGBoost4J on " + rows + " rows; " + scorer);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    booster.dispose();
  }

  @Benchmark
  public float[] shortlist() {
    cursor = (cursor + 1) % INPUTS;
    return scorer.score(query, candidates[cursor]);
  }

  @Benchmark
  public float[][] xgboost4j() throws Exception {
    cursor = (cursor + 1) % INPUTS;
    return booster.inplace_predict(flat[cursor], rows, features, Float.NaN);
  }
}
