package dev.shortlist.bench.jmh;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import dev.shortlist.ranking.OnnxScorer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link OnnxScorer} on one intra-op thread: the latency of scoring {@code rows} candidates of
 * {@code features} float features through (a) a two-layer perceptron ({@code hidden} ReLU units,
 * sigmoid output) and (b) an {@code ai.onnx.ml} {@code TreeEnsembleRegressor} of {@code trees}
 * complete trees of depth {@code depth} with random splits. Each has a baseline that evaluates
 * the same model in a plain Java loop, which shows what the ONNX Runtime call costs on top of the
 * arithmetic. Inputs rotate through {@value #BATCHES} pre-drawn batches.
 *
 * <p>The models are written by a minimal protobuf encoder of the {@code onnx.proto} messages
 * (below), as no ONNX tooling is available to the build.
 *
 * <p>Run: {@code java -cp bench/target/shortlist.jar org.openjdk.jmh.Main OnnxScoringBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class OnnxScoringBenchmark {

  static final int BATCHES = 8;
  private static final Query QUERY = Query.of(Request.forUser("bench").build(), Deadline.none());

  @Param({"1000"})
  int rows;

  @Param({"32"})
  int features;

  @Param({"64"})
  int hidden;

  @Param({"200"})
  int trees;

  @Param({"6"})
  int depth;

  private Mlp mlp;
  private Ensemble ensemble;
  private OnnxScorer onnxMlp;
  private OnnxScorer onnxTrees;
  private Candidates[] batches;
  private int cursor;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Random rnd = new Random(42);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < features; i++) {
      names.add("f" + i);
    }
    FeatureSchema schema = FeatureSchema.of(names);
    mlp = Mlp.random(rnd, features, hidden);
    ensemble = Ensemble.random(rnd, trees, depth, features);
    onnxMlp = OnnxScorer.builder("mlp", schema).model(mlp.onnx()).build();
    onnxTrees = OnnxScorer.builder("trees", schema).model(ensemble.onnx()).build();
    batches = new Candidates[BATCHES];
    long[] ids = new long[rows];
    for (int i = 0; i < rows; i++) {
      ids[i] = i;
    }
    for (int b = 0; b < BATCHES; b++) {
      float[] x = new float[rows * features];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rnd.nextGaussian();
      }
      batches[b] = Candidates.of("bench", ids, new float[rows])
          .withFeatures(FeatureMatrix.wrap(schema, x, rows));
    }
    // The baselines compute the same numbers: fail the trial, not the conclusions, if not.
    float[] a = onnxMlp.score(QUERY, batches[0]);
    float[] b = mlp.score(batches[0].features().array(), rows);
    float[] c = onnxTrees.score(QUERY, batches[0]);
    float[] d = ensemble.score(batches[0].features().array(), rows);
    for (int r = 0; r < rows; r++) {
      if (Math.abs(a[r] - b[r]) > 1e-4 || Math.abs(c[r] - d[r]) > 1e-3) {
        throw new IllegalStateException(
            "row " + r + ": onnx mlp " + a[r] + " vs java " + b[r] + ", onnx trees " + c[r]
                + " vs java " + d[r]);
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    onnxMlp.close();
    onnxTrees.close();
  }

  private Candidates next() {
    return batches[cursor++ & (BATCHES - 1)];
  }

  @Benchmark
  public float[] mlpOnnx() {
    return onnxMlp.score(QUERY, next());
  }

  @Benchmark
  public float[] mlpJavaBaseline() {
    return mlp.score(next().features().array(), rows);
  }

  @Benchmark
  public float[] treesOnnx() {
    return onnxTrees.score(QUERY, next());
  }

  @Benchmark
  public float[] treesJavaBaseline() {
    return ensemble.score(next().features().array(), rows);
  }

  /** {@code sigmoid(relu(x·W1 + b1)·w2 + b2)}; {@code w1} is row-major {@code [F, H]}. */
  record Mlp(int f, int h, float[] w1, float[] b1, float[] w2, float b2) {

    static Mlp random(Random rnd, int f, int h) {
      float[] w1 = new float[f * h];
      float[] b1 = new float[h];
      float[] w2 = new float[h];
      for (int i = 0; i < w1.length; i++) {
        w1[i] = (float) (rnd.nextGaussian() / Math.sqrt(f));
      }
      for (int j = 0; j < h; j++) {
        b1[j] = (float) rnd.nextGaussian() * 0.1f;
        w2[j] = (float) (rnd.nextGaussian() / Math.sqrt(h));
      }
      return new Mlp(f, h, w1, b1, w2, 0.1f);
    }

    float[] score(float[] x, int n) {
      float[] out = new float[n];
      float[] a = new float[h];
      for (int r = 0; r < n; r++) {
        System.arraycopy(b1, 0, a, 0, h);
        for (int i = 0; i < f; i++) {
          float xi = x[r * f + i];
          for (int j = 0; j < h; j++) {
            a[j] += xi * w1[i * h + j];
          }
        }
        float s = b2;
        for (int j = 0; j < h; j++) {
          s += Math.max(0, a[j]) * w2[j];
        }
        out[r] = (float) (1 / (1 + Math.exp(-s)));
      }
      return out;
    }

    byte[] onnx() {
      Graph g = new Graph();
      g.input("X", f);
      g.initializer("W1", w1, f, h);
      g.initializer("B1", b1, h);
      g.initializer("W2", w2, h, 1);
      g.initializer("B2", new float[] {b2}, 1);
      g.node("", "MatMul", List.of("X", "W1"), List.of("H0"));
      g.node("", "Add", List.of("H0", "B1"), List.of("H1"));
      g.node("", "Relu", List.of("H1"), List.of("H2"));
      g.node("", "MatMul", List.of("H2", "W2"), List.of("O0"));
      g.node("", "Add", List.of("O0", "B2"), List.of("O1"));
      g.node("", "Sigmoid", List.of("O1"), List.of("Y"));
      g.output("Y", 1);
      return g.model();
    }
  }

  /**
   * Complete trees stored breadth-first (children of node {@code i} at {@code 2i+1}, {@code
   * 2i+2}); branch {@code i} goes left when {@code x[feature[i]] <= threshold[i]}.
   */
  record Ensemble(int depth, int[][] feature, float[][] threshold, float[][] leaf, int f) {

    static Ensemble random(Random rnd, int trees, int depth, int f) {
      int branches = (1 << depth) - 1;
      int[][] feature = new int[trees][branches];
      float[][] threshold = new float[trees][branches];
      float[][] leaf = new float[trees][1 << depth];
      for (int t = 0; t < trees; t++) {
        for (int i = 0; i < branches; i++) {
          feature[t][i] = rnd.nextInt(f);
          threshold[t][i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < leaf[t].length; i++) {
          leaf[t][i] = (float) rnd.nextGaussian() * 0.1f;
        }
      }
      return new Ensemble(depth, feature, threshold, leaf, f);
    }

    float[] score(float[] x, int n) {
      float[] out = new float[n];
      int branches = (1 << depth) - 1;
      for (int r = 0; r < n; r++) {
        int base = r * f;
        float s = 0;
        for (int t = 0; t < feature.length; t++) {
          int i = 0;
          while (i < branches) {
            i = x[base + feature[t][i]] <= threshold[t][i] ? 2 * i + 1 : 2 * i + 2;
          }
          s += leaf[t][i - branches];
        }
        out[r] = s;
      }
      return out;
    }

    byte[] onnx() {
      int branches = (1 << depth) - 1;
      int nodes = 2 * branches + 1;
      int total = feature.length * nodes;
      long[] treeIds = new long[total];
      long[] nodeIds = new long[total];
      long[] featureIds = new long[total];
      String[] modes = new String[total];
      float[] values = new float[total];
      long[] trueIds = new long[total];
      long[] falseIds = new long[total];
      int leaves = feature.length * (branches + 1);
      long[] targetTree = new long[leaves];
      long[] targetNode = new long[leaves];
      float[] weights = new float[leaves];
      int k = 0;
      int l = 0;
      for (int t = 0; t < feature.length; t++) {
        for (int i = 0; i < nodes; i++, k++) {
          treeIds[k] = t;
          nodeIds[k] = i;
          if (i < branches) {
            featureIds[k] = feature[t][i];
            modes[k] = "BRANCH_LEQ";
            values[k] = threshold[t][i];
            trueIds[k] = 2L * i + 1;
            falseIds[k] = 2L * i + 2;
          } else {
            modes[k] = "LEAF";
            targetTree[l] = t;
            targetNode[l] = i;
            weights[l++] = leaf[t][i - branches];
          }
        }
      }
      Graph g = new Graph();
      g.opset("ai.onnx.ml", 3);
      g.input("X", f);
      g.node("ai.onnx.ml", "TreeEnsembleRegressor", List.of("X"), List.of("Y"),
          Graph.attr("n_targets", 1L),
          Graph.attr("aggregate_function", "SUM"),
          Graph.attr("nodes_treeids", treeIds),
          Graph.attr("nodes_nodeids", nodeIds),
          Graph.attr("nodes_featureids", featureIds),
          Graph.attr("nodes_modes", modes),
          Graph.attr("nodes_values", values),
          Graph.attr("nodes_truenodeids", trueIds),
          Graph.attr("nodes_falsenodeids", falseIds),
          Graph.attr("target_treeids", targetTree),
          Graph.attr("target_nodeids", targetNode),
          Graph.attr("target_ids", new long[leaves]),
          Graph.attr("target_weights", weights));
      g.output("Y", 1);
      return g.model();
    }
  }

  /**
   * A minimal writer of an ONNX ModelProto (proto2 wire format; field numbers from {@code
   * onnx.proto}); the ranking module's tests hold the documented, tested version.
   */
  static final class Graph {
    private final Pb nodes = new Pb();
    private final Pb rest = new Pb();
    private final Pb opsets = new Pb();
    private int count;

    Graph() {
      opset("", 15);
    }

    void opset(String domain, long version) {
      Pb o = new Pb();
      if (!domain.isEmpty()) {
        o.string(1, domain);
      }
      o.varint(2, version);
      opsets.bytes(8, o.bytes());
    }

    /** Input {@code [N, width]} float. */
    void input(String name, int width) {
      rest.bytes(11, valueInfo(name, width));
    }

    /** Output {@code [N, width]} float. */
    void output(String name, int width) {
      rest.bytes(12, valueInfo(name, width));
    }

    void initializer(String name, float[] data, long... dims) {
      Pb t = new Pb();
      for (long d : dims) {
        t.varint(1, d);
      }
      t.varint(2, 1);
      Pb packed = new Pb();
      for (float v : data) {
        packed.fixed32(Float.floatToRawIntBits(v));
      }
      t.bytes(4, packed.bytes());
      t.string(8, name);
      rest.bytes(5, t.bytes());
    }

    void node(String domain, String op, List<String> in, List<String> out, byte[]... attrs) {
      Pb n = new Pb();
      in.forEach(s -> n.string(1, s));
      out.forEach(s -> n.string(2, s));
      n.string(3, op + "_" + count++);
      n.string(4, op);
      for (byte[] a : attrs) {
        n.bytes(5, a);
      }
      if (!domain.isEmpty()) {
        n.string(7, domain);
      }
      nodes.bytes(1, n.bytes());
    }

    static byte[] attr(String name, long v) {
      Pb a = new Pb();
      a.string(1, name);
      a.varint(3, v);
      a.varint(20, 2);
      return a.bytes();
    }

    static byte[] attr(String name, String v) {
      Pb a = new Pb();
      a.string(1, name);
      a.string(4, v);
      a.varint(20, 3);
      return a.bytes();
    }

    static byte[] attr(String name, float[] v) {
      Pb a = new Pb();
      a.string(1, name);
      Pb packed = new Pb();
      for (float x : v) {
        packed.fixed32(Float.floatToRawIntBits(x));
      }
      a.bytes(7, packed.bytes());
      a.varint(20, 6);
      return a.bytes();
    }

    static byte[] attr(String name, long[] v) {
      Pb a = new Pb();
      a.string(1, name);
      Pb packed = new Pb();
      for (long x : v) {
        packed.raw(x);
      }
      a.bytes(8, packed.bytes());
      a.varint(20, 7);
      return a.bytes();
    }

    static byte[] attr(String name, String[] v) {
      Pb a = new Pb();
      a.string(1, name);
      for (String s : v) {
        a.string(9, s);
      }
      a.varint(20, 8);
      return a.bytes();
    }

    private static byte[] valueInfo(String name, int width) {
      Pb batch = new Pb();
      batch.string(2, "N");
      Pb cols = new Pb();
      cols.varint(1, width);
      Pb shape = new Pb();
      shape.bytes(1, batch.bytes());
      shape.bytes(1, cols.bytes());
      Pb tensor = new Pb();
      tensor.varint(1, 1);
      tensor.bytes(2, shape.bytes());
      Pb type = new Pb();
      type.bytes(1, tensor.bytes());
      Pb v = new Pb();
      v.string(1, name);
      v.bytes(2, type.bytes());
      return v.bytes();
    }

    byte[] model() {
      Pb g = new Pb();
      g.raw(nodes.bytes());
      g.string(2, "bench");
      g.raw(rest.bytes());
      Pb m = new Pb();
      m.varint(1, 8);
      m.bytes(7, g.bytes());
      m.raw(opsets.bytes());
      return m.bytes();
    }
  }

  /** Protobuf wire format: varints, fixed32 and length-delimited fields. */
  static final class Pb {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void raw(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    void raw(byte[] b) {
      out.writeBytes(b);
    }

    void fixed32(int bits) {
      out.write(bits);
      out.write(bits >>> 8);
      out.write(bits >>> 16);
      out.write(bits >>> 24);
    }

    void varint(int field, long v) {
      raw((long) field << 3);
      raw(v);
    }

    void bytes(int field, byte[] b) {
      raw(((long) field << 3) | 2);
      raw(b.length);
      out.writeBytes(b);
    }

    void string(int field, String s) {
      bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
