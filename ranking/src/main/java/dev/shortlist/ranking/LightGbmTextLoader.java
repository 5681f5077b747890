package dev.shortlist.ranking;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads LightGBM's text model format ({@code booster.save_model("model.txt")}, LightGBM 3 and 4)
 * into a {@link TreeEnsemble}.
 *
 * <p>What it relies on, from LightGBM's {@code Tree::NumericalDecision} and {@code
 * GBDT::PredictRaw}: internal node {@code i} sends a row left when {@code x <= threshold[i]},
 * comparing in double; {@code decision_type} bit 0 marks a categorical split, bit 1 the default
 * (missing) side, bits 2–3 the missing type: <em>None</em> (NaN is taken as 0), <em>Zero</em> (NaN
 * and values within ±1e-35 go to the default side) or <em>NaN</em> (NaN goes to the default side);
 * a negative child {@code c} is leaf {@code ~c}; {@code leaf_value} already includes the
 * shrinkage; the margin is the sum of the leaves in double, and the output applies the
 * objective's transform ({@code binary sigmoid:σ}: {@code 1 / (1 + exp(-σ m))}).
 *
 * <p>The double threshold {@code T} becomes the float rule of {@link TreeSpec} exactly: for a
 * float {@code x}, {@code (double) x > T} if and only if {@code x >= f}, where {@code f} is the
 * smallest float greater than {@code T}.
 *
 * <p>Refused, naming the line: categorical splits, linear trees, DART and random-forest boosting,
 * multi-class models, objectives other than those of {@link #OBJECTIVES}. Stateless.
 */
final class LightGbmTextLoader {

  /** Supported objectives (the first word of the {@code objective=} line). */
  static final List<String> OBJECTIVES = List.of(
      "regression", "regression_l1", "huber", "fair", "quantile", "mape", "binary", "lambdarank",
      "rank_xendcg");

  private static final Pattern SPACES = Pattern.compile(" +");

  private LightGbmTextLoader() {}

  /** The lines of the file, with 1-based line numbers for messages. */
  private static final class Lines {
    final Path file;
    final String[] lines;
    int next;

    Lines(Path file, String text) {
      this.file = file;
      this.lines = text.split("\r?\n", -1);
    }

    boolean hasNext() {
      return next < lines.length;
    }

    ModelFormatException error(int line, String problem) {
      return new ModelFormatException(file, "line " + (line + 1), problem);
    }
  }

  static LoadedTrees load(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ModelFormatException(file, "", "not valid UTF-8 text (" + e.getMessage() + ")");
    }
    Lines in = new Lines(file, text);
    while (in.hasNext() && in.lines[in.next].isBlank()) {
      in.next++;
    }
    if (!in.hasNext() || !in.lines[in.next].strip().equals("tree")) {
      throw in.error(Math.min(in.next, in.lines.length - 1),
          "not a LightGBM text model (it should start with a line 'tree')");
    }
    in.next++;

    // Header: key=value lines (and bare flags such as average_output) up to the first tree.
    Map<String, String> header = new HashMap<>();
    Map<String, Integer> headerLine = new HashMap<>();
    while (in.hasNext() && !in.lines[in.next].startsWith("Tree=")) {
      String line = in.lines[in.next];
      if (line.equals("end of trees")) {
        break;
      }
      if (!line.isBlank()) {
        int eq = line.indexOf('=');
        String key = eq < 0 ? line.strip() : line.substring(0, eq);
        header.put(key, eq < 0 ? "" : line.substring(eq + 1));
        headerLine.put(key, in.next);
      }
      in.next++;
    }
    int numClass = headerInt(in, header, headerLine, "num_class", 1);
    if (numClass != 1) {
      throw in.error(headerLine.get("num_class"),
          "multi-class models (num_class=" + numClass + ") are not supported");
    }
    int perIteration = headerInt(in, header, headerLine, "num_tree_per_iteration", 1);
    if (perIteration != 1) {
      throw in.error(headerLine.get("num_tree_per_iteration"),
          "num_tree_per_iteration=" + perIteration + " (multi-class) is not supported");
    }
    if (header.containsKey("average_output")) {
      throw in.error(headerLine.get("average_output"),
          "random-forest models (average_output) are not supported");
    }
    if (!header.containsKey("max_feature_idx")) {
      throw in.error(in.next - 1, "the header has no max_feature_idx line");
    }
    int numFeatures = headerInt(in, header, headerLine, "max_feature_idx", 0) + 1;
    if (numFeatures < 0) {
      throw in.error(headerLine.get("max_feature_idx"), "negative max_feature_idx");
    }

    if (!header.containsKey("objective")) {
      throw in.error(in.next - 1,
          "the header has no objective line (a custom objective?), so the output transform is unknown");
    }
    int objectiveLine = headerLine.get("objective");
    String[] objectiveWords = SPACES.split(header.get("objective").strip());
    String objective = objectiveWords[0];
    if (!OBJECTIVES.contains(objective)) {
      throw in.error(objectiveLine,
          "unsupported objective '" + objective + "' (supported: " + OBJECTIVES + ")");
    }
    TreeEnsemble.Link link = TreeEnsemble.Link.IDENTITY;
    double sigmoid = 1;
    for (int i = 1; i < objectiveWords.length; i++) {
      String w = objectiveWords[i];
      if (w.equals("sqrt")) {
        throw in.error(objectiveLine, "regression with sqrt (reg_sqrt) is not supported");
      }
      if (w.startsWith("sigmoid:") && objective.equals("binary")) {
        try {
          sigmoid = Double.parseDouble(w.substring("sigmoid:".length()));
        } catch (NumberFormatException e) {
          throw in.error(objectiveLine, "bad sigmoid '" + w + "'");
        }
        if (!(sigmoid > 0) || !Double.isFinite(sigmoid)) {
          throw in.error(objectiveLine, "bad sigmoid " + sigmoid);
        }
      }
    }
    if (objective.equals("binary")) {
      link = TreeEnsemble.Link.SIGMOID_DOUBLE;
    }

    List<String> names = null;
    if (header.containsKey("feature_names")) {
      names = List.of(SPACES.split(header.get("feature_names").strip()));
      if (names.size() != numFeatures) {
        throw in.error(headerLine.get("feature_names"),
            names.size() + " feature names, but max_feature_idx says " + numFeatures + " features");
      }
      if (isDefaultNames(names)) {
        names = null; // Column_0, Column_1, ...: LightGBM's names for unnamed features
      }
    }
    int expectedTrees = -1;
    if (header.containsKey("tree_sizes")) {
      String sizes = header.get("tree_sizes").strip();
      expectedTrees = sizes.isEmpty() ? 0 : SPACES.split(sizes).length;
    }

    // Trees.
    List<TreeSpec> trees = new ArrayList<>();
    List<Integer> treeLines = new ArrayList<>();
    boolean ended = false;
    while (in.hasNext()) {
      String line = in.lines[in.next];
      if (line.equals("end of trees")) {
        ended = true;
        in.next++;
        break;
      }
      if (line.isBlank()) {
        in.next++;
        continue;
      }
      if (!line.startsWith("Tree=")) {
        throw in.error(in.next, "expected 'Tree=" + trees.size() + "' or 'end of trees', found '"
            + abbreviate(line) + "'");
      }
      int at = in.next;
      int index = parseInt(in, at, "Tree", line.substring(5));
      if (index != trees.size()) {
        throw in.error(at, "expected Tree=" + trees.size() + ", found Tree=" + index);
      }
      treeLines.add(at);
      trees.add(tree(in, index, numFeatures));
    }
    if (!ended) {
      throw in.error(in.lines.length - 1, "truncated: no 'end of trees' line after "
          + trees.size() + " trees" + (expectedTrees >= 0 ? " of " + expectedTrees : ""));
    }
    if (expectedTrees >= 0 && expectedTrees != trees.size()) {
      throw in.error(headerLine.get("tree_sizes"),
          "tree_sizes lists " + expectedTrees + " trees, but the file has " + trees.size());
    }

    // The parameters section, when present, says how the model was boosted.
    while (in.hasNext()) {
      String line = in.lines[in.next].strip();
      if (line.startsWith("[boosting: ")) {
        String boosting = line.substring("[boosting: ".length(), line.length() - 1).strip();
        if (boosting.equals("dart")) {
          throw in.error(in.next, "DART boosting is not supported; retrain with boosting=gbdt");
        }
        if (boosting.equals("rf") || boosting.equals("random_forest")) {
          throw in.error(in.next, "random-forest boosting is not supported");
        }
      } else if (line.equals("[linear_tree: 1]")) {
        throw in.error(in.next, "linear trees (linear_tree) are not supported");
      }
      in.next++;
    }

    TreeEnsemble ensemble = TreeEnsemble.build(file,
        i -> "line " + (treeLines.get(i) + 1) + " (Tree=" + i + ")",
        numFeatures, trees, true, 0, link, sigmoid);
    String version = header.getOrDefault("version", "");
    return new LoadedTrees(ensemble, names, header.get("objective").strip(),
        "LightGBM " + (version.isEmpty() ? "" : version + " ") + "text");
  }

  private static boolean isDefaultNames(List<String> names) {
    for (int i = 0; i < names.size(); i++) {
      if (!names.get(i).equals("Column_" + i)) {
        return false;
      }
    }
    return true;
  }

  /** Reads one tree block, from its {@code Tree=} line up to the next blank line. */
  private static TreeSpec tree(Lines in, int index, int numFeatures) throws ModelFormatException {
    int start = in.next++;
    Map<String, String> kv = new HashMap<>();
    Map<String, Integer> lineOf = new HashMap<>();
    while (in.hasNext()) {
      String line = in.lines[in.next];
      if (line.isBlank() || line.startsWith("Tree=") || line.equals("end of trees")) {
        break;
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw in.error(in.next, "expected key=value in Tree=" + index + ", found '" + abbreviate(line) + "'");
      }
      String key = line.substring(0, eq);
      if (kv.put(key, line.substring(eq + 1)) != null) {
        throw in.error(in.next, "duplicate '" + key + "' in Tree=" + index);
      }
      lineOf.put(key, in.next);
      in.next++;
    }
    Block b = new Block(in, start, index, kv, lineOf);
    int leaves = b.integer("num_leaves");
    if (leaves < 1) {
      throw in.error(lineOf.get("num_leaves"), "num_leaves=" + leaves + " in Tree=" + index);
    }
    if (kv.containsKey("num_cat") && b.integer("num_cat") > 0) {
      throw in.error(lineOf.get("num_cat"), "categorical splits (num_cat=" + b.integer("num_cat")
          + " in Tree=" + index + ") are not supported");
    }
    if (kv.containsKey("is_linear") && b.integer("is_linear") != 0) {
      throw in.error(lineOf.get("is_linear"), "linear trees (is_linear=1 in Tree=" + index + ") are not supported");
    }
    double[] leafValue = b.doubles("leaf_value", leaves);
    if (leaves == 1) {
      return new TreeSpec(new int[] {-1}, new int[] {-1}, new int[1], new float[1], new boolean[1],
          new boolean[1], new double[] {leafValue[0]});
    }
    int internal = leaves - 1;
    int[] splitFeature = b.ints("split_feature", internal);
    double[] threshold = b.doubles("threshold", internal);
    int[] decision = b.ints("decision_type", internal);
    int[] leftChild = b.ints("left_child", internal);
    int[] rightChild = b.ints("right_child", internal);

    // Nodes 0..internal-1 are the internal nodes, internal + k is leaf k.
    int n = internal + leaves;
    int[] left = new int[n];
    int[] right = new int[n];
    int[] feature = new int[n];
    float[] thr = new float[n];
    boolean[] nanRight = new boolean[n];
    boolean[] zero = new boolean[n];
    double[] leaf = new double[n];
    for (int i = 0; i < internal; i++) {
      int d = decision[i];
      if ((d & 1) != 0) {
        throw in.error(lineOf.get("decision_type"),
            "categorical split at node " + i + " of Tree=" + index + " is not supported");
      }
      int missingType = (d >> 2) & 3;
      if (d < 0 || d > 15 || missingType == 3) {
        throw in.error(lineOf.get("decision_type"), "bad decision_type " + d + " at node " + i + " of Tree=" + index);
      }
      double t = threshold[i];
      if (Double.isNaN(t)) {
        throw in.error(lineOf.get("threshold"), "threshold NaN at node " + i + " of Tree=" + index);
      }
      boolean defaultLeft = (d & 2) != 0;
      float f = smallestFloatAbove(t);
      feature[i] = splitFeature[i];
      thr[i] = f;
      left[i] = child(in, lineOf.get("left_child"), leftChild[i], internal, leaves, i, index);
      right[i] = child(in, lineOf.get("right_child"), rightChild[i], internal, leaves, i, index);
      switch (missingType) {
        case 0 -> nanRight[i] = 0f >= f; // NaN is taken as 0
        case 1 -> {
          nanRight[i] = !defaultLeft;
          // The zero band [-1e-35, 1e-35] goes to the default side; when the threshold already
          // sends all of it there, the node is an ordinary one.
          boolean bandOnDefaultSide = defaultLeft
              ? TreeEnsemble.ZERO_THRESHOLD < f
              : -TreeEnsemble.ZERO_THRESHOLD >= f;
          zero[i] = !bandOnDefaultSide;
        }
        default -> nanRight[i] = !defaultLeft;
      }
      if (splitFeature[i] < 0 || splitFeature[i] >= numFeatures) {
        throw in.error(lineOf.get("split_feature"), "feature " + splitFeature[i] + " at node " + i
            + " of Tree=" + index + ", but the model has " + numFeatures + " features");
      }
    }
    for (int k = 0; k < leaves; k++) {
      left[internal + k] = -1;
      right[internal + k] = -1;
      leaf[internal + k] = leafValue[k];
    }
    return new TreeSpec(left, right, feature, thr, nanRight, zero, leaf);
  }

  /** The node number of child {@code c} (negative: leaf {@code ~c}). */
  private static int child(Lines in, int line, int c, int internal, int leaves, int node, int tree)
      throws ModelFormatException {
    if (c >= 0 ? c >= internal : ~c >= leaves) {
      throw in.error(line, "child " + c + " of node " + node + " in Tree=" + tree
          + " is out of range (" + internal + " internal nodes, " + leaves + " leaves)");
    }
    return c >= 0 ? c : internal + ~c;
  }

  /**
   * The smallest float greater than {@code t}, so that for any float x, x > t ⟺ x >= it; NaN
   * (nothing is greater) for t = +∞.
   */
  static float smallestFloatAbove(double t) {
    if (t == Double.POSITIVE_INFINITY) {
      return Float.NaN;
    }
    float c = (float) t;
    return (double) c > t ? c : Math.nextUp(c);
  }

  /** The key=value lines of one tree block, with typed, checked access. */
  private record Block(Lines in, int start, int index, Map<String, String> kv, Map<String, Integer> lineOf) {

    String raw(String key) throws ModelFormatException {
      String v = kv.get(key);
      if (v == null) {
        throw in.error(start, "Tree=" + index + " has no " + key + " line (truncated or malformed)");
      }
      return v;
    }

    int integer(String key) throws ModelFormatException {
      return parseInt(in, lineOf.getOrDefault(key, start), key, raw(key).strip());
    }

    String[] words(String key, int count) throws ModelFormatException {
      String v = raw(key).strip();
      String[] w = v.isEmpty() ? new String[0] : SPACES.split(v);
      if (w.length != count) {
        throw in.error(lineOf.get(key), key + " has " + w.length + " values, expected " + count
            + " in Tree=" + index);
      }
      return w;
    }

    int[] ints(String key, int count) throws ModelFormatException {
      String[] w = words(key, count);
      int[] out = new int[count];
      for (int i = 0; i < count; i++) {
        out[i] = parseInt(in, lineOf.get(key), key + " value " + i, w[i]);
      }
      return out;
    }

    double[] doubles(String key, int count) throws ModelFormatException {
      String[] w = words(key, count);
      double[] out = new double[count];
      for (int i = 0; i < count; i++) {
        try {
          out[i] = parseDouble(w[i]);
        } catch (NumberFormatException e) {
          throw in.error(lineOf.get(key), key + " value " + i + " '" + abbreviate(w[i])
              + "' is not a number in Tree=" + index);
        }
      }
      return out;
    }
  }

  /** A double as LightGBM prints it: also {@code inf}, {@code -inf} and {@code nan}. */
  static double parseDouble(String s) {
    return switch (s) {
      case "inf", "+inf", "Inf", "infinity" -> Double.POSITIVE_INFINITY;
      case "-inf", "-Inf", "-infinity" -> Double.NEGATIVE_INFINITY;
      case "nan", "-nan", "NaN" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }

  private static int parseInt(Lines in, int line, String what, String text) throws ModelFormatException {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw in.error(line, what + " '" + abbreviate(text) + "' is not an integer");
    }
  }

  private static int headerInt(Lines in, Map<String, String> header, Map<String, Integer> lines,
      String key, int fallback) throws ModelFormatException {
    String v = header.get(key);
    return v == null ? fallback : parseInt(in, lines.get(key), key, v);
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
