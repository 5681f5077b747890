package dev.shortlist.ranking;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes small ONNX models for tests without the onnx library: a protobuf encoder for the parts
 * of {@code onnx.proto} (proto2) the tests need, and a few ready-made models with a plain-Java
 * reference for each.
 *
 * <p>Field numbers, from {@code onnx/onnx.proto}: ModelProto ir_version 1, producer_name 2,
 * graph 7, opset_import 8; OperatorSetIdProto domain 1, version 2; GraphProto node 1, name 2,
 * initializer 5, input 11, output 12; NodeProto input 1, output 2, name 3, op_type 4, attribute 5,
 * domain 7; AttributeProto name 1, f 2, i 3, s 4, floats 7, ints 8, strings 9, type 20;
 * TensorProto dims 1, data_type 2, float_data 4, name 8; ValueInfoProto name 1, type 2;
 * TypeProto tensor_type 1; TypeProto.Tensor elem_type 1, shape 2; TensorShapeProto dim 1;
 * Dimension dim_value 1, dim_param 2.
 */
final class OnnxModelBuilder {

  /** TensorProto.DataType values. */
  static final int FLOAT = 1;

  static final int INT64 = 7;
  static final int DOUBLE = 11;

  static final String ML = "ai.onnx.ml";

  private long irVersion = 8;
  private final Map<String, Long> opsets = new LinkedHashMap<>();
  private final List<byte[]> nodes = new ArrayList<>();
  private final List<byte[]> initializers = new ArrayList<>();
  private final List<byte[]> inputs = new ArrayList<>();
  private final List<byte[]> outputs = new ArrayList<>();
  private int nodeCount;

  OnnxModelBuilder() {
    opsets.put("", 15L);
  }

  OnnxModelBuilder irVersion(long v) {
    irVersion = v;
    return this;
  }

  OnnxModelBuilder opset(String domain, long version) {
    opsets.put(domain, version);
    return this;
  }

  /** A graph input; each dim is a Long/Integer (fixed) or a String (symbolic). */
  OnnxModelBuilder input(String name, int elemType, Object... dims) {
    inputs.add(valueInfo(name, elemType, dims));
    return this;
  }

  OnnxModelBuilder output(String name, int elemType, Object... dims) {
    outputs.add(valueInfo(name, elemType, dims));
    return this;
  }

  OnnxModelBuilder initializer(String name, float[] data, long... dims) {
    Proto t = new Proto();
    for (long d : dims) {
      t.varint(1, d);
    }
    t.varint(2, FLOAT);
    t.packedFloats(4, data);
    t.string(8, name);
    initializers.add(t.bytes());
    return this;
  }

  OnnxModelBuilder node(String opType, List<String> in, List<String> out, Attr... attrs) {
    return node("", opType, in, out, attrs);
  }

  OnnxModelBuilder node(
      String domain, String opType, List<String> in, List<String> out, Attr... attrs) {
    Proto n = new Proto();
    for (String s : in) {
      n.string(1, s);
    }
    for (String s : out) {
      n.string(2, s);
    }
    n.string(3, opType + "_" + nodeCount++);
    n.string(4, opType);
    for (Attr a : attrs) {
      n.bytes(5, a.encoded);
    }
    if (!domain.isEmpty()) {
      n.string(7, domain);
    }
    nodes.add(n.bytes());
    return this;
  }

  byte[] build() {
    Proto g = new Proto();
    for (byte[] n : nodes) {
      g.bytes(1, n);
    }
    g.string(2, "test-graph");
    for (byte[] t : initializers) {
      g.bytes(5, t);
    }
    for (byte[] v : inputs) {
      g.bytes(11, v);
    }
    for (byte[] v : outputs) {
      g.bytes(12, v);
    }
    Proto m = new Proto();
    m.varint(1, irVersion);
    m.string(2, "shortlist-tests");
    m.bytes(7, g.bytes());
    for (Map.Entry<String, Long> e : opsets.entrySet()) {
      Proto o = new Proto();
      if (!e.getKey().isEmpty()) {
        o.string(1, e.getKey());
      }
      o.varint(2, e.getValue());
      m.bytes(8, o.bytes());
    }
    return m.bytes();
  }

  private static byte[] valueInfo(String name, int elemType, Object... dims) {
    Proto shape = new Proto();
    for (Object d : dims) {
      Proto dim = new Proto();
      if (d instanceof String s) {
        dim.string(2, s);
      } else {
        dim.varint(1, ((Number) d).longValue());
      }
      shape.bytes(1, dim.bytes());
    }
    Proto tensor = new Proto();
    tensor.varint(1, elemType);
    tensor.bytes(2, shape.bytes());
    Proto type = new Proto();
    type.bytes(1, tensor.bytes());
    Proto v = new Proto();
    v.string(1, name);
    v.bytes(2, type.bytes());
    return v.bytes();
  }

  // ---- attributes (AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7,
  // STRINGS 8) ----

  record Attr(byte[] encoded) {}

  static Attr attr(String name, long value) {
    Proto a = new Proto();
    a.string(1, name);
    a.varint(3, value);
    a.varint(20, 2);
    return new Attr(a.bytes());
  }

  static Attr attr(String name, float value) {
    Proto a = new Proto();
    a.string(1, name);
    a.fixed32(2, Float.floatToRawIntBits(value));
    a.varint(20, 1);
    return new Attr(a.bytes());
  }

  static Attr attr(String name, String value) {
    Proto a = new Proto();
    a.string(1, name);
    a.string(4, value);
    a.varint(20, 3);
    return new Attr(a.bytes());
  }

  static Attr attr(String name, float[] values) {
    Proto a = new Proto();
    a.string(1, name);
    a.packedFloats(7, values);
    a.varint(20, 6);
    return new Attr(a.bytes());
  }

  static Attr attr(String name, long[] values) {
    Proto a = new Proto();
    a.string(1, name);
    a.packedVarints(8, values);
    a.varint(20, 7);
    return new Attr(a.bytes());
  }

  static Attr attr(String name, String[] values) {
    Proto a = new Proto();
    a.string(1, name);
    for (String v : values) {
      a.string(9, v);
    }
    a.varint(20, 8);
    return new Attr(a.bytes());
  }

  // ---- ready-made models ----

  /** {@code Y[N,1] = X[N,F] · w + b} (MatMul + Add). */
  static byte[] linear(float[] w, float b) {
    int f = w.length;
    return new OnnxModelBuilder()
        .input("X", FLOAT, "N", f)
        .initializer("W", w, f, 1)
        .initializer("B", new float[] {b}, 1)
        .node("MatMul", List.of("X", "W"), List.of("XW"))
        .node("Add", List.of("XW", "B"), List.of("Y"))
        .output("Y", FLOAT, "N", 1)
        .build();
  }

  /** {@code Y[N] = X[N,F] · w + b}: a rank-1 output. */
  static byte[] linearRank1(float[] w, float b) {
    int f = w.length;
    return new OnnxModelBuilder()
        .input("X", FLOAT, "N", f)
        .initializer("W", w, f)
        .initializer("B", new float[] {b}, 1)
        .node("MatMul", List.of("X", "W"), List.of("XW"))
        .node("Add", List.of("XW", "B"), List.of("Y"))
        .output("Y", FLOAT, "N")
        .build();
  }

  /**
   * A binary "classifier" with two outputs: {@code label[N]} (int64, argmax) first, then {@code
   * probabilities[N,2] = [1 - p, p]} with {@code p = sigmoid(X · w + b)}.
   */
  static byte[] classifier(float[] w, float b) {
    int f = w.length;
    float[] w2 = new float[f * 2];
    for (int i = 0; i < f; i++) {
      w2[i * 2] = -w[i];
      w2[i * 2 + 1] = w[i];
    }
    return new OnnxModelBuilder()
        .input("X", FLOAT, "N", f)
        .initializer("W", w2, f, 2)
        .initializer("B", new float[] {-b, b}, 2)
        .node("MatMul", List.of("X", "W"), List.of("XW"))
        .node("Add", List.of("XW", "B"), List.of("Z"))
        .node("Sigmoid", List.of("Z"), List.of("probabilities"))
        .node("ArgMax", List.of("probabilities"), List.of("label"),
            attr("axis", 1L), attr("keepdims", 0L))
        .output("label", INT64, "N")
        .output("probabilities", FLOAT, "N", 2)
        .build();
  }

  /** A two-layer perceptron {@code sigmoid(relu(X·W1 + b1)·w2 + b2)}, output {@code [N,1]}. */
  static byte[] mlp(Mlp p) {
    int f = p.w1.length;
    int h = p.b1.length;
    float[] w1 = new float[f * h];
    for (int i = 0; i < f; i++) {
      System.arraycopy(p.w1[i], 0, w1, i * h, h);
    }
    OnnxModelBuilder b =
        new OnnxModelBuilder()
            .input("features", FLOAT, "batch", f)
            .initializer("W1", w1, f, h)
            .initializer("B1", p.b1, h)
            .initializer("W2", p.w2, h, 1)
            .initializer("B2", new float[] {p.b2}, 1)
            .node("MatMul", List.of("features", "W1"), List.of("H0"))
            .node("Add", List.of("H0", "B1"), List.of("H1"))
            .node("Relu", List.of("H1"), List.of("H2"))
            .node("MatMul", List.of("H2", "W2"), List.of("O0"))
            .node("Add", List.of("O0", "B2"), List.of("O1"));
    if (p.sigmoid) {
      b.node("Sigmoid", List.of("O1"), List.of("score"));
    } else {
      b.node("Identity", List.of("O1"), List.of("score"));
    }
    return b.output("score", FLOAT, "batch", 1).build();
  }

  /** MLP weights: {@code w1[F][H]}, {@code b1[H]}, {@code w2[H]}, {@code b2}. */
  record Mlp(float[][] w1, float[] b1, float[] w2, float b2, boolean sigmoid) {

    static Mlp random(Random rnd, int features, int hidden) {
      float[][] w1 = new float[features][hidden];
      float[] b1 = new float[hidden];
      float[] w2 = new float[hidden];
      float scale = (float) (1 / Math.sqrt(features));
      for (float[] row : w1) {
        for (int j = 0; j < hidden; j++) {
          row[j] = (float) rnd.nextGaussian() * scale;
        }
      }
      for (int j = 0; j < hidden; j++) {
        b1[j] = (float) rnd.nextGaussian() * 0.1f;
        w2[j] = (float) rnd.nextGaussian() / (float) Math.sqrt(hidden);
      }
      return new Mlp(w1, b1, w2, (float) rnd.nextGaussian() * 0.1f, true);
    }

    /** The reference prediction for one row, in double precision. */
    double predict(float[] x, int offset) {
      int h = b1.length;
      double out = b2;
      for (int j = 0; j < h; j++) {
        double a = b1[j];
        for (int i = 0; i < w1.length; i++) {
          a += (double) x[offset + i] * w1[i][j];
        }
        out += Math.max(0, a) * w2[j];
      }
      return sigmoid ? 1 / (1 + Math.exp(-out)) : out;
    }
  }

  // ---- tree ensembles ----

  /**
   * One node of a tree; ids are positions in the tree's node list. A leaf has mode {@code
   * "LEAF"} and a weight; a branch compares {@code x[feature]} with {@code value} by {@code mode}
   * ({@code BRANCH_LEQ}, {@code BRANCH_LT}, {@code BRANCH_GTE}, {@code BRANCH_GT}) and sends
   * NaN to the true child when {@code missingTrue}.
   */
  record Node(
      String mode, int feature, float value, int trueId, int falseId, boolean missingTrue,
      float weight) {

    static Node branch(String mode, int feature, float value, int t, int f, boolean missingTrue) {
      return new Node(mode, feature, value, t, f, missingTrue, 0);
    }

    static Node leaf(float weight) {
      return new Node("LEAF", 0, 0, 0, 0, false, weight);
    }

    boolean isLeaf() {
      return mode.equals("LEAF");
    }

    boolean goesTrue(float x) {
      if (Float.isNaN(x)) {
        return missingTrue;
      }
      return switch (mode) {
        case "BRANCH_LEQ" -> x <= value;
        case "BRANCH_LT" -> x < value;
        case "BRANCH_GTE" -> x >= value;
        case "BRANCH_GT" -> x > value;
        default -> throw new IllegalArgumentException(mode);
      };
    }
  }

  /** A regression tree ensemble: {@code base + Σ_trees leaf weight} (aggregate SUM). */
  record Ensemble(List<List<Node>> trees, float base, int features) {

    /** The reference prediction for one row, summed in tree order in float, then the base. */
    float predict(float[] x, int offset) {
      float sum = 0;
      for (List<Node> tree : trees) {
        Node n = tree.get(0);
        while (!n.isLeaf()) {
          n = tree.get(n.goesTrue(x[offset + n.feature]) ? n.trueId : n.falseId);
        }
        sum += n.weight;
      }
      return sum + base;
    }

    /**
     * {@code trees} random complete trees of {@code depth} splits (so {@code 2^depth} leaves) on
     * random features at thresholds drawn like the features (standard normal), random modes and
     * missing-value directions.
     */
    static Ensemble random(Random rnd, int trees, int depth, int features) {
      String[] modes = {"BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT"};
      List<List<Node>> all = new ArrayList<>();
      for (int t = 0; t < trees; t++) {
        List<Node> nodes = new ArrayList<>();
        int branches = (1 << depth) - 1;
        int total = (1 << (depth + 1)) - 1;
        for (int i = 0; i < total; i++) {
          if (i < branches) {
            nodes.add(Node.branch(
                modes[rnd.nextInt(modes.length)], rnd.nextInt(features),
                (float) rnd.nextGaussian(), 2 * i + 1, 2 * i + 2, rnd.nextBoolean()));
          } else {
            nodes.add(Node.leaf((float) rnd.nextGaussian() * 0.1f));
          }
        }
        all.add(nodes);
      }
      return new Ensemble(all, (float) rnd.nextGaussian(), features);
    }
  }

  /**
   * The ensemble as one {@code ai.onnx.ml} {@code TreeEnsembleRegressor} node (opset {@code
   * mlOpset}: 1 or 3), input {@code X[N,F]}, output {@code Y[N,1]}.
   */
  static byte[] treeEnsemble(Ensemble e, int mlOpset, String postTransform) {
    List<Long> treeIds = new ArrayList<>();
    List<Long> nodeIds = new ArrayList<>();
    List<Long> featureIds = new ArrayList<>();
    List<String> modes = new ArrayList<>();
    List<Float> values = new ArrayList<>();
    List<Long> trueIds = new ArrayList<>();
    List<Long> falseIds = new ArrayList<>();
    List<Long> missing = new ArrayList<>();
    List<Long> targetTree = new ArrayList<>();
    List<Long> targetNode = new ArrayList<>();
    List<Float> targetWeight = new ArrayList<>();
    for (int t = 0; t < e.trees.size(); t++) {
      List<Node> tree = e.trees.get(t);
      for (int i = 0; i < tree.size(); i++) {
        Node n = tree.get(i);
        treeIds.add((long) t);
        nodeIds.add((long) i);
        featureIds.add((long) n.feature);
        modes.add(n.mode);
        values.add(n.value);
        trueIds.add((long) n.trueId);
        falseIds.add((long) n.falseId);
        missing.add(n.missingTrue ? 1L : 0L);
        if (n.isLeaf()) {
          targetTree.add((long) t);
          targetNode.add((long) i);
          targetWeight.add(n.weight);
        }
      }
    }
    return new OnnxModelBuilder()
        .opset(ML, mlOpset)
        .input("X", FLOAT, "N", e.features)
        .node(ML, "TreeEnsembleRegressor", List.of("X"), List.of("Y"),
            attr("n_targets", 1L),
            attr("aggregate_function", "SUM"),
            attr("post_transform", postTransform),
            attr("base_values", new float[] {e.base}),
            attr("nodes_treeids", longs(treeIds)),
            attr("nodes_nodeids", longs(nodeIds)),
            attr("nodes_featureids", longs(featureIds)),
            attr("nodes_modes", modes.toArray(new String[0])),
            attr("nodes_values", floats(values)),
            attr("nodes_truenodeids", longs(trueIds)),
            attr("nodes_falsenodeids", longs(falseIds)),
            attr("nodes_missing_value_tracks_true", longs(missing)),
            attr("target_treeids", longs(targetTree)),
            attr("target_nodeids", longs(targetNode)),
            attr("target_ids", new long[targetTree.size()]),
            attr("target_weights", floats(targetWeight)))
        .output("Y", FLOAT, "N", 1)
        .build();
  }

  private static long[] longs(List<Long> l) {
    long[] a = new long[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }

  private static float[] floats(List<Float> l) {
    float[] a = new float[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }

  /** A protobuf message being written: tag-value pairs in the order given. */
  static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private void rawVarint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    private void tag(int field, int wireType) {
      rawVarint(((long) field << 3) | wireType);
    }

    /** Wire type 0: int32/int64/enum/bool (negative values take ten bytes, as protobuf does). */
    void varint(int field, long v) {
      tag(field, 0);
      rawVarint(v);
    }

    /** Wire type 5: float or fixed32. */
    void fixed32(int field, int bits) {
      tag(field, 5);
      writeFixed32(bits);
    }

    private void writeFixed32(int bits) {
      out.write(bits);
      out.write(bits >>> 8);
      out.write(bits >>> 16);
      out.write(bits >>> 24);
    }

    /** Wire type 2: bytes, strings, embedded messages, packed repeated scalars. */
    void bytes(int field, byte[] b) {
      tag(field, 2);
      rawVarint(b.length);
      out.writeBytes(b);
    }

    void string(int field, String s) {
      bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    void packedFloats(int field, float[] values) {
      Proto p = new Proto();
      for (float v : values) {
        p.writeFixed32(Float.floatToRawIntBits(v));
      }
      bytes(field, p.bytes());
    }

    void packedVarints(int field, long[] values) {
      Proto p = new Proto();
      for (long v : values) {
        p.rawVarint(v);
      }
      bytes(field, p.bytes());
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
