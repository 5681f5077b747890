package dev.shortlist.ranking;

import static dev.shortlist.ranking.OnnxModelBuilder.FLOAT;
import static dev.shortlist.ranking.OnnxModelBuilder.Node.branch;
import static dev.shortlist.ranking.OnnxModelBuilder.Node.leaf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OnnxScorerTest {

  private final long seed = Long.getLong("shortlist.test.seed", 0x0_11C5L);

  private static final Query QUERY = Query.of(Request.forUser("u").build(), Deadline.none());

  @TempDir Path dir;

  private static Candidates candidates(FeatureSchema schema, float[] x) {
    int n = x.length / schema.size();
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i + 1;
    }
    return Candidates.of("s", ids, new float[n]).withFeatures(FeatureMatrix.wrap(schema, x, n));
  }

  private static float[] gaussian(Random rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    return x;
  }

  private Path write(String fileName, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(fileName), bytes);
  }

  // ---- (a) linear model: MatMul + Add ----

  @Test
  void linearModel_fromFile_matchesHandComputation() throws Exception {
    FeatureSchema schema = FeatureSchema.of("x0", "x1", "x2");
    Path file = write("linear.onnx", OnnxModelBuilder.linear(new float[] {2, -1, 0.5f}, 0.25f));
    try (OnnxScorer scorer = OnnxScorer.builder("lin", schema).model(file).build()) {
      float[] scores = scorer.score(QUERY, candidates(schema, new float[] {
          1, 2, 3, //   2 - 2 + 1.5 + 0.25 = 1.75
          0, 0, 0, //   0.25
          -1, 4, -2 // -2 - 4 - 1 + 0.25 = -6.75
      }));
      assertThat(scores).containsExactly(1.75f, 0.25f, -6.75f);
      assertThat(scorer.requiredFeatures()).containsExactly("x0", "x1", "x2");
      assertThat(scorer.source()).isEqualTo(file.toString());
      assertThat(scorer.inputName()).isEqualTo("X");
      assertThat(scorer.outputName()).isEqualTo("Y");
      assertThat(scorer.toString()).contains("lin", file.toString(), "3 features");
    }
  }

  @Test
  void rank1Output_isAccepted() throws Exception {
    FeatureSchema schema = FeatureSchema.of("x0", "x1");
    try (OnnxScorer scorer = OnnxScorer.builder("lin", schema)
        .model(OnnxModelBuilder.linearRank1(new float[] {1, 10}, -1)).build()) {
      assertThat(scorer.score(QUERY, candidates(schema, new float[] {1, 1, 2, 0})))
          .containsExactly(10f, 1f);
    }
  }

  @Test
  void sigmoid_isAppliedInJava() throws Exception {
    FeatureSchema schema = FeatureSchema.of("x0");
    try (OnnxScorer scorer = OnnxScorer.builder("lin", schema)
        .model(OnnxModelBuilder.linear(new float[] {1}, 0)).sigmoid(true).build()) {
      float[] s = scorer.score(QUERY, candidates(schema, new float[] {0, 2, -3}));
      assertThat(s[0]).isEqualTo(0.5f);
      assertThat(s[1]).isCloseTo((float) (1 / (1 + Math.exp(-2))), within(1e-7f));
      assertThat(s[2]).isCloseTo((float) (1 / (1 + Math.exp(3))), within(1e-7f));
    }
  }

  // ---- (b) MLP: MatMul, Add, Relu, MatMul, Add, Sigmoid ----

  @Test
  void mlp_matchesJavaReimplementation() throws Exception {
    Random rnd = new Random(seed);
    int f = 12;
    OnnxModelBuilder.Mlp mlp = OnnxModelBuilder.Mlp.random(rnd, f, 32);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < f; i++) {
      names.add("f" + i);
    }
    FeatureSchema schema = FeatureSchema.of(names);
    float[] x = gaussian(rnd, 257 * f);
    try (OnnxScorer scorer =
        OnnxScorer.builder("mlp", schema).model(OnnxModelBuilder.mlp(mlp)).build()) {
      float[] s = scorer.score(QUERY, candidates(schema, x));
      assertThat(s).hasSize(257);
      for (int r = 0; r < s.length; r++) {
        assertThat((double) s[r]).as("seed %d, row %d", seed, r)
            .isCloseTo(mlp.predict(x, r * f), within(1e-5));
      }
    }
  }

  // ---- (c) ai.onnx.ml TreeEnsembleRegressor ----

  /**
   * Tree 0 splits x0 with BRANCH_LEQ at 0.5, tree 1 with BRANCH_LT at 0.5, so a row with x0 = 0.5
   * goes left in tree 0 and right in tree 1. Node 1 of tree 0 sends a missing x1 to its true
   * child; node 2 of tree 1 sends a missing x2 to its false child.
   */
  private static final OnnxModelBuilder.Ensemble HAND_TREES = new OnnxModelBuilder.Ensemble(
      List.of(
          List.of(
              branch("BRANCH_LEQ", 0, 0.5f, 1, 2, false),
              branch("BRANCH_LT", 1, 1.0f, 3, 4, true),
              leaf(3),
              leaf(1),
              leaf(2)),
          List.of(
              branch("BRANCH_LT", 0, 0.5f, 1, 2, false),
              leaf(10),
              branch("BRANCH_LEQ", 2, -1.0f, 3, 4, false),
              leaf(20),
              leaf(40))),
      0.5f,
      3);

  @ParameterizedTest(name = "ai.onnx.ml opset {0}")
  @ValueSource(ints = {1, 3})
  void treeEnsemble_matchesHandComputedLeafSums(int mlOpset) throws Exception {
    FeatureSchema schema = FeatureSchema.of("x0", "x1", "x2");
    try (OnnxScorer scorer = OnnxScorer.builder("trees", schema)
        .model(OnnxModelBuilder.treeEnsemble(HAND_TREES, mlOpset, "NONE")).build()) {
      float[] s = scorer.score(QUERY, candidates(schema, new float[] {
          0.5f, 0.0f, 0.0f, //  t0: 0.5 <= 0.5 → x1 0 < 1 → 1;  t1: 0.5 < 0.5 no → -1 no → 40
          0.4f, 1.0f, -1.0f, // t0: yes → x1 1 < 1 no → 2;      t1: yes → 10
          0.6f, 5.0f, -1.0f, // t0: no → 3;                     t1: no → -1 <= -1 → 20
      }));
      assertThat(s).containsExactly(0.5f + 1 + 40, 0.5f + 2 + 10, 0.5f + 3 + 20);
    }
  }

  @ParameterizedTest(name = "ai.onnx.ml opset {0}")
  @ValueSource(ints = {1, 3})
  void treeEnsemble_followsMissingValueTracks(int mlOpset) throws Exception {
    FeatureSchema schema = FeatureSchema.of("x0", "x1", "x2");
    try (OnnxScorer scorer = OnnxScorer.builder("trees", schema)
        .model(OnnxModelBuilder.treeEnsemble(HAND_TREES, mlOpset, "NONE")).build()) {
      // FeatureMatrix refuses NaN, so the rows go to the model directly.
      float nan = Float.NaN;
      float[] s = scorer.predict(new float[] {
          0.0f, nan, 0.0f, // t0: yes → x1 missing → true → 1;  t1: yes → 10
          1.0f, 0.0f, nan, // t0: no → 3;  t1: no → x2 missing → false → 40
      }, 2);
      assertThat(s).containsExactly(0.5f + 1 + 10, 0.5f + 3 + 40);
    }
  }

  @Test
  void randomTreeEnsemble_matchesJavaReference() throws Exception {
    Random rnd = new Random(seed);
    int f = 8;
    OnnxModelBuilder.Ensemble e = OnnxModelBuilder.Ensemble.random(rnd, 30, 5, f);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < f; i++) {
      names.add("f" + i);
    }
    FeatureSchema schema = FeatureSchema.of(names);
    float[] x = gaussian(rnd, 300 * f);
    for (int i = 0; i < 40; i++) { // some values exactly on a threshold
      List<OnnxModelBuilder.Node> tree = e.trees().get(rnd.nextInt(e.trees().size()));
      OnnxModelBuilder.Node n = tree.get(rnd.nextInt(tree.size() / 2));
      x[rnd.nextInt(300) * f + n.feature()] = n.value();
    }
    try (OnnxScorer scorer = OnnxScorer.builder("trees", schema)
        .model(OnnxModelBuilder.treeEnsemble(e, 3, "NONE")).build()) {
      float[] s = scorer.score(QUERY, candidates(schema, x));
      for (int r = 0; r < 300; r++) {
        assertThat(s[r]).as("seed %d, row %d", seed, r)
            .isCloseTo(e.predict(x, r * f), within(1e-5f));
      }
    }
  }

  /**
   * ONNX Runtime does not apply a single-target TreeEnsembleRegressor's {@code
   * post_transform=LOGISTIC} (microsoft/onnxruntime#26596); the scorer's Java sigmoid is the way
   * to get probabilities. If this starts failing after an upgrade, ONNX Runtime began applying
   * it: then {@code sigmoid(true)} on such a model applies it twice, and OnnxScorer's javadoc
   * must change.
   */
  @Test
  void treeEnsemble_logisticPostTransform_isIgnoredByOnnxRuntime_soSigmoidIsInJava()
      throws Exception {
    FeatureSchema schema = FeatureSchema.of("x0", "x1", "x2");
    float[] x = {0.4f, 0.0f, 0.0f}; // leaf sum 0.5 + 1 + 10 = 11.5
    try (OnnxScorer raw = OnnxScorer.builder("trees", schema)
            .model(OnnxModelBuilder.treeEnsemble(HAND_TREES, 3, "LOGISTIC")).build();
        OnnxScorer withSigmoid = OnnxScorer.builder("trees", schema)
            .model(OnnxModelBuilder.treeEnsemble(HAND_TREES, 3, "NONE")).sigmoid(true).build()) {
      assertThat(raw.score(QUERY, candidates(schema, x))).containsExactly(11.5f);
      assertThat(withSigmoid.score(QUERY, candidates(schema, x))[0])
          .isCloseTo((float) (1 / (1 + Math.exp(-11.5))), within(1e-7f));
    }
  }

  // ---- binding ----

  @Test
  void modelFeatures_bindByName_inTheModelsOrder() throws Exception {
    FeatureSchema schema = FeatureSchema.of("a", "b", "c", "d");
    // The model reads (d, b): score = 10·d + 1·b.
    try (OnnxScorer scorer = OnnxScorer.builder("lin", schema)
        .model(OnnxModelBuilder.linear(new float[] {10, 1}, 0))
        .modelFeatures(List.of("d", "b"))
        .build()) {
      assertThat(scorer.requiredFeatures()).containsExactly("d", "b");
      assertThat(scorer.score(QUERY, candidates(schema, new float[] {1, 2, 3, 4, 5, 6, 7, 8})))
          .containsExactly(42f, 86f);
      // Another assembly order works too: columns are found by name.
      FeatureSchema other = FeatureSchema.of("d", "x", "b");
      assertThat(scorer.score(QUERY, candidates(other, new float[] {4, 0, 2})))
          .containsExactly(42f);
      FeatureSchema lacking = FeatureSchema.of("a", "b");
      assertThatThrownBy(() -> scorer.score(QUERY, candidates(lacking, new float[] {1, 2})))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("'d'");
    }
  }

  @Test
  void modelFeatures_notInSchema_isRefusedByTheBuilder() {
    FeatureSchema schema = FeatureSchema.of("a", "b");
    assertThatThrownBy(() -> OnnxScorer.builder("x", schema).modelFeatures(List.of("a", "z")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'z'");
    assertThatThrownBy(() -> OnnxScorer.builder("x", schema).modelFeatures(List.of("a", "a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("repeats 'a'");
  }

  @Test
  void schemaInAnotherOrder_isReadByName() throws Exception {
    FeatureSchema schema = FeatureSchema.of("a", "b");
    try (OnnxScorer scorer = OnnxScorer.builder("lin", schema)
        .model(OnnxModelBuilder.linear(new float[] {1, 100}, 0)).build()) {
      FeatureSchema swapped = FeatureSchema.of("b", "a");
      assertThat(scorer.score(QUERY, candidates(swapped, new float[] {1, 2})))
          .containsExactly(102f);
    }
  }

  // ---- outputs ----

  @Test
  void classifierProbabilities_takeTheConfiguredColumn() throws Exception {
    FeatureSchema schema = FeatureSchema.of("x0");
    byte[] model = OnnxModelBuilder.classifier(new float[] {1}, 0);
    try (OnnxScorer scorer = OnnxScorer.builder("clf", schema)
        .model(model).outputName("probabilities").outputColumn(1).build()) {
      float[] s = scorer.score(QUERY, candidates(schema, new float[] {0, 2}));
      assertThat(s[0]).isEqualTo(0.5f);
      assertThat(s[1]).isCloseTo((float) (1 / (1 + Math.exp(-2))), within(1e-7f));
    }
    try (OnnxScorer byIndex = OnnxScorer.builder("clf", schema)
        .model(model).outputIndex(1).outputColumn(1).build()) {
      assertThat(byIndex.outputName()).isEqualTo("probabilities");
    }
  }

  @Test
  void twoColumnOutput_withoutAColumn_isRefusedAtLoad() {
    FeatureSchema schema = FeatureSchema.of("x0");
    assertThatThrownBy(() -> OnnxScorer.builder("clf", schema)
            .model(OnnxModelBuilder.classifier(new float[] {1}, 0))
            .outputName("probabilities").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 columns")
        .hasMessageContaining("outputColumn");
  }

  @Test
  void labelOutput_isRefusedAtLoad() {
    FeatureSchema schema = FeatureSchema.of("x0");
    assertThatThrownBy(() -> OnnxScorer.builder("clf", schema)
            .model(OnnxModelBuilder.classifier(new float[] {1}, 0)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'label'")
        .hasMessageContaining("INT64");
  }

  @Test
  void unknownOutput_isRefusedAtLoad_listingTheOutputs() {
    FeatureSchema schema = FeatureSchema.of("x0");
    assertThatThrownBy(() -> OnnxScorer.builder("clf", schema)
            .model(OnnxModelBuilder.classifier(new float[] {1}, 0)).outputName("proba").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no output 'proba'")
        .hasMessageContaining("label")
        .hasMessageContaining("probabilities");
  }

  // ---- inputs ----

  private static byte[] twoInputs() {
    return new OnnxModelBuilder()
        .input("X", FLOAT, "N", 2)
        .input("offset", FLOAT, 1)
        .initializer("W", new float[] {1, 1}, 2, 1)
        .node("MatMul", List.of("X", "W"), List.of("XW"))
        .node("Add", List.of("XW", "offset"), List.of("Y"))
        .output("Y", FLOAT, "N", 1)
        .build();
  }

  @Test
  void severalInputs_needAnInputName() {
    FeatureSchema schema = FeatureSchema.of("a", "b");
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).model(twoInputs()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 inputs")
        .hasMessageContaining("inputName");
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).model(twoInputs())
            .inputName("Z").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no input 'Z'");
  }

  @Test
  void aModelThatCannotRunOnTheFeaturesAlone_failsItsProbeAtLoad() {
    FeatureSchema schema = FeatureSchema.of("a", "b");
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).model(twoInputs())
            .inputName("X").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("probe");
  }

  @Test
  void widthMismatch_namesBothWidthsAndTheFile() throws Exception {
    FeatureSchema schema = FeatureSchema.of("a", "b", "c", "d");
    Path file = write("three.onnx", OnnxModelBuilder.linear(new float[] {1, 2, 3}, 0));
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).model(file).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("has 3 features")
        .hasMessageContaining("binds 4");
  }

  @Test
  void dynamicWidthThatDiffers_failsAtLoad() {
    byte[] model = new OnnxModelBuilder()
        .input("X", FLOAT, "N", "F")
        .initializer("W", new float[] {1, 2, 3}, 3, 1)
        .node("MatMul", List.of("X", "W"), List.of("Y"))
        .output("Y", FLOAT, "N", 1)
        .build();
    assertThatThrownBy(() -> OnnxScorer.builder("m", FeatureSchema.of("a", "b")).model(model)
            .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("probe");
  }

  @Test
  void fixedBatchOrWrongRankOrType_isRefusedAtLoad() {
    FeatureSchema schema = FeatureSchema.of("a", "b");
    byte[] fixedBatch = new OnnxModelBuilder()
        .input("X", FLOAT, 1, 2)
        .node("ReduceSum", List.of("X"), List.of("Y"), OnnxModelBuilder.attr("axes", new long[] {1}))
        .output("Y", FLOAT, 1, 1)
        .opset("", 11)
        .build();
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).model(fixedBatch).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fixed batch size of 1");
    byte[] doubles = new OnnxModelBuilder()
        .input("X", OnnxModelBuilder.DOUBLE, "N", 2)
        .node("Identity", List.of("X"), List.of("Y"))
        .output("Y", OnnxModelBuilder.DOUBLE, "N", 2)
        .build();
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).model(doubles).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DOUBLE")
        .hasMessageContaining("float32");
    byte[] rank3 = new OnnxModelBuilder()
        .input("X", FLOAT, "N", 2, 1)
        .node("Identity", List.of("X"), List.of("Y"))
        .output("Y", FLOAT, "N", 2, 1)
        .build();
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).model(rank3).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[N, 2, 1]");
  }

  // ---- bad files ----

  @Test
  void truncatedModelFile_givesAnExceptionNamingTheFile() throws Exception {
    byte[] model = OnnxModelBuilder.mlp(OnnxModelBuilder.Mlp.random(new Random(seed), 4, 8));
    Path file = write("truncated.onnx", Arrays.copyOf(model, model.length / 2));
    assertThatThrownBy(() -> OnnxScorer.builder("m", FeatureSchema.of("a", "b", "c", "d"))
            .model(file).build())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void everyTruncationOfAModel_failsToLoad_namingTheFile_neverCrashes() throws Exception {
    FeatureSchema schema = FeatureSchema.of("a", "b");
    byte[] model = OnnxModelBuilder.linear(new float[] {1, 2}, 3);
    Path file = dir.resolve("cut.onnx");
    for (int length = 0; length < model.length; length++) {
      Files.write(file, Arrays.copyOf(model, length));
      int cut = length;
      assertThatThrownBy(() -> OnnxScorer.builder("m", schema).model(file).build().close())
          .as("model cut to %d of %d bytes", cut, model.length)
          .isInstanceOfAny(IOException.class, IllegalArgumentException.class)
          .hasMessageContaining(file.toString());
    }
  }

  @Test
  void garbageFile_givesAnIOExceptionNamingTheFile() throws Exception {
    byte[] junk = new byte[4096];
    new Random(seed).nextBytes(junk);
    Path file = write("junk.onnx", junk);
    assertThatThrownBy(() -> OnnxScorer.builder("m", FeatureSchema.of("a")).model(file).build())
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void missingFile_givesNoSuchFile() {
    Path file = dir.resolve("absent.onnx");
    assertThatThrownBy(() -> OnnxScorer.builder("m", FeatureSchema.of("a")).model(file).build())
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void corruptBytes_nameTheInMemoryModel() {
    assertThatThrownBy(() -> OnnxScorer.builder("m", FeatureSchema.of("a"))
            .model(new byte[] {8, 1, 0x3a, 100}).build())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("in-memory model of 4 bytes");
  }

  // ---- builder ----

  @Test
  void builder_checksEagerly() {
    FeatureSchema schema = FeatureSchema.of("a");
    assertThatThrownBy(() -> OnnxScorer.builder(" ", schema))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    assertThatThrownBy(() -> OnnxScorer.builder("m", FeatureSchema.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema");
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).intraOpThreads(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("intraOpThreads");
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).outputColumn(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outputColumn");
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).outputName("y").outputIndex(0))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> OnnxScorer.builder("m", schema).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no model");
  }

  // ---- threads and lifecycle ----

  @Test
  void moreIntraOpThreads_giveTheSameScores() throws Exception {
    Random rnd = new Random(seed);
    int f = 6;
    FeatureSchema schema = FeatureSchema.of("a", "b", "c", "d", "e", "f");
    byte[] model = OnnxModelBuilder.treeEnsemble(OnnxModelBuilder.Ensemble.random(rnd, 50, 4, f),
        3, "NONE");
    Candidates c = candidates(schema, gaussian(rnd, 500 * f));
    try (OnnxScorer one = OnnxScorer.builder("t", schema).model(model).build();
        OnnxScorer two = OnnxScorer.builder("t", schema).model(model).intraOpThreads(2).build()) {
      float[] a = one.score(QUERY, c);
      float[] b = two.score(QUERY, c);
      for (int r = 0; r < a.length; r++) {
        assertThat(b[r]).as("seed %d, row %d", seed, r).isCloseTo(a[r], within(1e-5f));
      }
    }
  }

  @Test
  void concurrentScoring_givesEachCallerItsOwnScores() throws Exception {
    Random rnd = new Random(seed);
    FeatureSchema schema = FeatureSchema.of("a", "b", "c");
    OnnxModelBuilder.Mlp mlp = OnnxModelBuilder.Mlp.random(rnd, 3, 8);
    List<Candidates> inputs = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      inputs.add(candidates(schema, gaussian(rnd, (1 + rnd.nextInt(100)) * 3)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (OnnxScorer scorer =
        OnnxScorer.builder("mlp", schema).model(OnnxModelBuilder.mlp(mlp)).build()) {
      List<float[]> expected = new ArrayList<>();
      for (Candidates c : inputs) {
        expected.add(scorer.score(QUERY, c));
      }
      List<Future<float[]>> results = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        Candidates c = inputs.get(i % inputs.size());
        results.add(pool.submit(() -> scorer.score(QUERY, c)));
      }
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.get(i).get()).as("seed %d, task %d", seed, i)
            .containsExactly(expected.get(i % inputs.size()));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void close_waitsForScoringInFlight_thenRefusesToScore() throws Exception {
    Random rnd = new Random(seed);
    FeatureSchema schema = FeatureSchema.of("a", "b", "c", "d");
    byte[] model = OnnxModelBuilder.treeEnsemble(OnnxModelBuilder.Ensemble.random(rnd, 100, 5, 4),
        3, "NONE");
    Candidates c = candidates(schema, gaussian(rnd, 400 * 4));
    OnnxScorer scorer = OnnxScorer.builder("t", schema).model(model).build();
    float[] expected = scorer.score(QUERY, c);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicInteger scored = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(4);
    try {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        workers.add(pool.submit(() -> {
          started.countDown();
          for (int i = 0; i < 200; i++) {
            float[] s;
            try {
              s = scorer.score(QUERY, c);
            } catch (IllegalStateException e) {
              assertThat(e).hasMessageContaining("closed");
              refused.incrementAndGet();
              continue;
            }
            assertThat(s).containsExactly(expected);
            scored.incrementAndGet();
          }
          return null;
        }));
      }
      started.await();
      scorer.close();
      scorer.close(); // idempotent
      for (Future<?> w : workers) {
        w.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(scored.get() + refused.get()).isEqualTo(800);
    assertThatThrownBy(() -> scorer.score(QUERY, c))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void noFeatures_isAnIllegalState() throws Exception {
    FeatureSchema schema = FeatureSchema.of("a");
    try (OnnxScorer scorer = OnnxScorer.builder("lin", schema)
        .model(OnnxModelBuilder.linear(new float[] {1}, 0)).build()) {
      Candidates bare = Candidates.of("s", new long[] {1}, new float[] {0});
      assertThatThrownBy(() -> scorer.score(QUERY, bare))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("needs assembled features");
    }
  }

  @Test
  void swappableScorer_acceptsAnOnnxModel() throws Exception {
    FeatureSchema schema = FeatureSchema.of("a", "b");
    try (OnnxScorer first = OnnxScorer.builder("lin", schema)
            .model(OnnxModelBuilder.linear(new float[] {1, 0}, 0)).build();
        OnnxScorer second = OnnxScorer.builder("lin", schema)
            .model(OnnxModelBuilder.linear(new float[] {0, 1}, 0)).build()) {
      SwappableScorer swappable = SwappableScorer.create("ranker", schema, first);
      assertThat(swappable.score(QUERY, candidates(schema, new float[] {3, 4})))
          .containsExactly(3f);
      assertThat(swappable.swap(() -> second).swapped()).isTrue();
      assertThat(swappable.score(QUERY, candidates(schema, new float[] {3, 4})))
          .containsExactly(4f);
      SwappableScorer.Swap bad = swappable.swap(() -> OnnxScorer.builder("lin", schema)
          .model(OnnxModelBuilder.linear(new float[] {1, 2, 3}, 0)).build());
      assertThat(bad.swapped()).isFalse();
      assertThat(bad.reason()).contains("has 3 features");
    }
  }
}
