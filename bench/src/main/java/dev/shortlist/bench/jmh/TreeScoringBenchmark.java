package dev.shortlist.bench.jmh;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import dev.shortlist.ranking.TreeEnsembleScorer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Tree-ensemble ranking: the latency of scoring {@code rows} candidates × {@code features}
 * features with {@code trees} trees of depth {@code depth}, single-threaded, with {@link
 * TreeEnsembleScorer} (blocked, branch-free, SIMD top levels when the Vector API is on) against a
 * naive baseline on the same trees: one row at a time, node by node, on flat arrays.
 *
 * <p>The model is a random complete XGBoost ensemble written as XGBoost JSON in the trial set-up
 * and loaded through the public API; candidate sets rotate through 16 pre-drawn ones. The
 * comparison with XGBoost4J's native {@code inplace_predict} on a trained model lives in
 * ranking's {@code -Pfixtures} harness ({@code TreeScoringTiming}), which needs the native
 * library.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/shortlist.jar
 * org.openjdk.jmh.Main TreeScoringBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class TreeScoringBenchmark {

  private static final int INPUTS = 16;

  @Param({"100", "1000", "2000"})
  int rows;

  @Param({"32"})
  int features;

  @Param({"100", "200", "300"})
  int trees;

  @Param({"6"})
  int depth;

  private TreeEnsembleScorer scorer;
  private Candidates[] candidates;
  private Query query;
  private int cursor;

  // The naive baseline: per tree, complete binary trees in breadth-first order.
  private int[] feature;
  private float[] threshold;
  private float[] leaf;
  private float base;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Random rnd = new Random(Fixtures.MIXTURE_SEED);
    int internal = (1 << depth) - 1;
    int leaves = 1 << depth;
    feature = new int[trees * internal];
    threshold = new float[trees * internal];
    leaf = new float[trees * leaves];
    for (int i = 0; i < feature.length; i++) {
      feature[i] = rnd.nextInt(features);
      threshold[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < leaf.length; i++) {
      leaf[i] = (float) (rnd.nextGaussian() * 0.1);
    }
    base = 0.5f;
    List<String> names = new ArrayList<>();
    for (int j = 0; j < features; j++) {
      names.add("f" + j);
    }
    FeatureSchema schema = FeatureSchema.of(names);
    Path model = Files.createTempFile("tree-benchmark-", ".json");
    try {
      Files.writeString(model, xgboostJson(names), StandardCharsets.UTF_8);
      scorer = TreeEnsembleScorer.fromXgboostJson(model, schema,
          TreeEnsembleScorer.Options.defaults().withName("trees").withOutput(TreeEnsembleScorer.Output.MARGIN));
    } finally {
      Files.deleteIfExists(model);
    }
    candidates = new Candidates[INPUTS];
    for (int i = 0; i < INPUTS; i++) {
      float[] x = new float[rows * features];
      for (int k = 0; k < x.length; k++) {
        x[k] = (float) rnd.nextGaussian();
      }
      candidates[i] = Candidates.of("bench", Fixtures.ids(rows), new float[rows])
          .withFeatures(FeatureMatrix.wrap(schema, x, rows));
    }
    query = Query.of(Request.forUser("bench").build(), Deadline.none());
    float[] a = scorer.score(query, candidates[0]);
    float[] b = naive(candidates[0]);
    if (!java.util.Arrays.equals(a, b)) {
      throw new IllegalStateException("the scorer and the naive baseline disagree");
    }
    System.err.println("\n" + scorer);
  }

  /** A complete XGBoost JSON model of the random trees (split x < t goes left). */
  private String xgboostJson(List<String> names) {
    int internal = (1 << depth) - 1;
    int nodes = 2 * internal + 1;
    StringBuilder b = new StringBuilder(trees * nodes * 40);
    b.append("{\"learner\":{\"attributes\":{},\"feature_names\":[");
    for (int j = 0; j < names.size(); j++) {
      b.append(j == 0 ? "" : ",").append('"').append(names.get(j)).append('"');
    }
    b.append("],\"feature_types\":[],\"gradient_booster\":{\"model\":{\"gbtree_model_param\":")
        .append("{\"num_parallel_tree\":\"1\",\"num_trees\":\"").append(trees).append("\"},\"tree_info\":[");
    for (int t = 0; t < trees; t++) {
      b.append(t == 0 ? "0" : ",0");
    }
    b.append("],\"trees\":[");
    for (int t = 0; t < trees; t++) {
      StringBuilder left = new StringBuilder();
      StringBuilder right = new StringBuilder();
      StringBuilder split = new StringBuilder();
      StringBuilder cond = new StringBuilder();
      StringBuilder dflt = new StringBuilder();
      for (int i = 0; i < nodes; i++) {
        String sep = i == 0 ? "" : ",";
        boolean isLeaf = i >= internal;
        left.append(sep).append(isLeaf ? -1 : 2 * i + 1);
        right.append(sep).append(isLeaf ? -1 : 2 * i + 2);
        split.append(sep).append(isLeaf ? 0 : feature[t * internal + i]);
        cond.append(sep).append(isLeaf ? leaf[t * (internal + 1) + i - internal] : threshold[t * internal + i]);
        dflt.append(sep).append(isLeaf ? 0 : 1);
      }
      b.append(t == 0 ? "" : ",").append("{\"id\":").append(t)
          .append(",\"left_children\":[").append(left).append("],\"right_children\":[").append(right)
          .append("],\"split_indices\":[").append(split).append("],\"split_conditions\":[").append(cond)
          .append("],\"default_left\":[").append(dflt).append("],\"split_type\":[]")
          .append(",\"tree_param\":{\"num_nodes\":\"").append(nodes).append("\",\"size_leaf_vector\":\"1\"}}");
    }
    b.append("]},\"name\":\"gbtree\"},\"learner_model_param\":{\"base_score\":\"").append(base)
        .append("\",\"num_class\":\"0\",\"num_feature\":\"").append(features)
        .append("\",\"num_target\":\"1\"},\"objective\":{\"name\":\"reg:squarederror\"}},\"version\":[3,0,4]}");
    return b.toString();
  }

  /** One row at a time, node by node: the evaluator a first implementation would write. */
  private float[] naive(Candidates c) {
    FeatureMatrix m = c.features();
    float[] x = m.array();
    int width = m.columns();
    int internal = (1 << depth) - 1;
    float[] out = new float[m.rows()];
    for (int r = 0; r < out.length; r++) {
      int rowBase = r * width;
      float sum = base;
      for (int t = 0; t < trees; t++) {
        int nodeBase = t * internal;
        int i = 0;
        while (i < internal) {
          i = x[rowBase + feature[nodeBase + i]] < threshold[nodeBase + i] ? 2 * i + 1 : 2 * i + 2;
        }
        sum += leaf[t * (internal + 1) + i - internal];
      }
      out[r] = sum;
    }
    return out;
  }

  @Benchmark
  public float[] treeEnsembleScorer() {
    return scorer.score(query, candidates[cursor++ & (INPUTS - 1)]);
  }

  @Benchmark
  public float[] naiveBaseline() {
    return naive(candidates[cursor++ & (INPUTS - 1)]);
  }
}
