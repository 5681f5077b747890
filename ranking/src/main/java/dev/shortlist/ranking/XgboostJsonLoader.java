package dev.shortlist.ranking;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads XGBoost's JSON model format ({@code Booster.save_model("m.json")}, XGBoost 1.7 to 3.x)
 * into a {@link TreeEnsemble}.
 *
 * <p>What it relies on, from XGBoost's {@code RegTree} and CPU predictor: node {@code i} is a leaf
 * when {@code left_children[i] == -1}, and a leaf's value (learning rate applied) is {@code
 * split_conditions[i]}; a row goes left when {@code x < split_conditions[i]} in float, and to the
 * {@code default_left} side when {@code x} is missing; the margin is {@code base_score} (converted
 * to a margin: logit for the logistic objectives, since XGBoost stores it as a probability) plus
 * the leaves, summed in float, tree by tree.
 *
 * <p>Refused, naming the field: DART and gblinear boosters, multi-class and multi-target models,
 * categorical splits or features, objectives other than those of {@link #OBJECTIVES}. Stateless.
 */
final class XgboostJsonLoader {

  /**
   * Objectives whose base score is a probability (converted with logit). Not binary:logitraw,
   * whose base score XGBoost takes as a margin.
   */
  private static final Set<String> LOGIT_BASE = Set.of("binary:logistic", "reg:logistic");

  /** Objectives whose output is the sigmoid of the margin. */
  private static final Set<String> SIGMOID = Set.of("binary:logistic", "reg:logistic");

  /** Supported objectives. */
  static final List<String> OBJECTIVES = List.of(
      "binary:logistic", "binary:logitraw", "reg:logistic", "reg:squarederror", "reg:linear",
      "reg:absoluteerror", "rank:pairwise", "rank:ndcg", "rank:map");

  private XgboostJsonLoader() {}

  static LoadedTrees load(Path file) throws IOException {
    Path fileName = file.getFileName();
    if (fileName != null && fileName.toString().endsWith(".ubj")) {
      throw new ModelFormatException(file, "",
          "UBJSON models are not supported; save the model with a .json file name");
    }
    Json.Node root = Json.read(file);
    String version = "";
    Json.Node v = root.opt("version");
    if (v != null && v.isArray()) {
      StringBuilder b = new StringBuilder();
      for (Json.Node part : v.elements()) {
        b.append(b.isEmpty() ? "" : ".").append(part.integer());
      }
      version = b + " ";
    }
    Json.Node learner = root.get("learner");

    Json.Node booster = learner.get("gradient_booster");
    String boosterName = booster.get("name").string();
    switch (boosterName) {
      case "gbtree" -> { }
      case "dart" -> throw booster.get("name").error(
          "DART boosters are not supported (their trees are weighted at prediction time); "
              + "retrain with booster=gbtree");
      case "gblinear" -> throw booster.get("name").error(
          "gblinear (linear boosters) is not supported; use LinearScorer for a linear model");
      default -> throw booster.get("name").error("unknown booster '" + boosterName + "'");
    }

    Json.Node param = learner.get("learner_model_param");
    int numFeatures = param.get("num_feature").integer();
    if (numFeatures < 0) {
      throw param.get("num_feature").error("negative feature count " + numFeatures);
    }
    Json.Node numClass = param.opt("num_class");
    if (numClass != null && numClass.integer() > 1) {
      throw numClass.error("multi-class models (" + numClass.integer() + " classes) are not supported");
    }
    Json.Node numTarget = param.opt("num_target");
    if (numTarget != null && numTarget.integer() > 1) {
      throw numTarget.error("multi-target models (" + numTarget.integer() + " targets) are not supported");
    }

    Json.Node objectiveNode = learner.get("objective").get("name");
    String objective = objectiveNode.string();
    if (!OBJECTIVES.contains(objective)) {
      throw objectiveNode.error("unsupported objective '" + objective + "' (supported: " + OBJECTIVES + ")");
    }

    float baseScore = baseScore(param.get("base_score"));
    float base;
    if (LOGIT_BASE.contains(objective)) {
      if (!(baseScore > 0 && baseScore < 1)) {
        throw param.get("base_score").error(
            "base_score " + baseScore + " is not a probability in (0, 1), as objective '"
                + objective + "' needs");
      }
      // XGBoost's ProbToMargin, in float: -log(1/p - 1).
      base = (float) -Math.log(1.0f / baseScore - 1.0f);
    } else {
      base = baseScore;
    }
    if (!Float.isFinite(base)) {
      throw param.get("base_score").error("base_score " + baseScore + " gives a margin of " + base);
    }

    List<String> names = null;
    Json.Node fn = learner.opt("feature_names");
    if (fn != null && fn.size() > 0) {
      names = fn.stringList();
      if (names.size() != numFeatures) {
        throw fn.error("has " + names.size() + " names, but num_feature is " + numFeatures);
      }
    }
    Json.Node ft = learner.opt("feature_types");
    if (ft != null) {
      List<String> types = ft.stringList();
      for (int i = 0; i < types.size(); i++) {
        if (types.get(i).equals("c")) {
          throw ft.elementError(i, "categorical feature"
              + (names == null ? " " + i : " '" + names.get(i) + "'") + " is not supported");
        }
      }
    }

    Json.Node model = booster.get("model");
    Json.Node treesNode = model.get("trees");
    List<Json.Node> treeNodes = treesNode.elements();
    Json.Node gbParam = model.opt("gbtree_model_param");
    if (gbParam != null) {
      Json.Node declared = gbParam.get("num_trees");
      if (declared.integer() != treeNodes.size()) {
        throw declared.error("says " + declared.integer() + " trees, but trees has " + treeNodes.size());
      }
    }
    Json.Node treeInfo = model.opt("tree_info");
    if (treeInfo != null) {
      int[] groups = treeInfo.intArray();
      if (groups.length != treeNodes.size()) {
        throw treeInfo.error("has " + groups.length + " entries for " + treeNodes.size() + " trees");
      }
      for (int i = 0; i < groups.length; i++) {
        if (groups[i] != 0) {
          throw treeInfo.elementError(i, "tree of output group " + groups[i]
              + ": multi-class models are not supported");
        }
      }
    }

    List<TreeSpec> trees = new ArrayList<>(treeNodes.size());
    for (Json.Node t : treeNodes) {
      trees.add(tree(t));
    }
    TreeEnsemble ensemble = TreeEnsemble.build(file, i -> treesNode.path + "[" + i + "]",
        numFeatures, trees, false, base,
        SIGMOID.contains(objective) ? TreeEnsemble.Link.SIGMOID_FLOAT : TreeEnsemble.Link.IDENTITY, 1);
    return new LoadedTrees(ensemble, names, objective, "XGBoost " + version + "JSON");
  }

  /** {@code "5E-1"}, {@code "[5E-1]"} (XGBoost 2.1+ writes a vector) or a plain number. */
  private static float baseScore(Json.Node node) throws ModelFormatException {
    if (node.isString()) {
      String text = node.string().strip();
      if (text.startsWith("[") && text.endsWith("]")) {
        text = text.substring(1, text.length() - 1).strip();
        if (text.contains(",")) {
          throw node.error("has several base scores (" + node.string()
              + "): multi-target models are not supported");
        }
      }
      try {
        return Float.parseFloat(text);
      } catch (NumberFormatException e) {
        throw node.error("expected a number, found \"" + node.string() + "\"");
      }
    }
    if (node.isArray()) {
      if (node.size() != 1) {
        throw node.error("has " + node.size() + " base scores: multi-target models are not supported");
      }
      return node.elements().get(0).floatNumber();
    }
    return node.floatNumber();
  }

  private static TreeSpec tree(Json.Node t) throws ModelFormatException {
    Json.Node tp = t.opt("tree_param");
    Json.Node left = t.get("left_children");
    int[] l = left.intArray();
    int n = l.length;
    if (tp != null) {
      int declared = tp.get("num_nodes").integer();
      if (declared != n) {
        throw left.error("has " + n + " nodes, but tree_param.num_nodes is " + declared);
      }
      Json.Node leafVector = tp.opt("size_leaf_vector");
      if (leafVector != null && leafVector.integer() > 1) {
        throw leafVector.error("vector leaves (multi-target trees) are not supported");
      }
    }
    int[] r = array(t, "right_children", n).intArray();
    int[] f = array(t, "split_indices", n).intArray();
    Json.Node condNode = array(t, "split_conditions", n);
    float[] cond = condNode.floatArray();
    boolean[] defaultLeft = array(t, "default_left", n).flagArray();
    Json.Node splitType = t.opt("split_type");
    if (splitType != null) {
      int[] types = splitType.intArray();
      for (int i = 0; i < types.length; i++) {
        if (types[i] != 0 && i < n && l[i] != -1) {
          throw splitType.elementError(i, "categorical split (type " + types[i] + ") is not supported");
        }
      }
    }
    Json.Node catNodes = t.opt("categories_nodes");
    if (catNodes != null && catNodes.size() > 0) {
      throw catNodes.error("categorical splits are not supported");
    }
    boolean[] nanRight = new boolean[n];
    double[] leaf = new double[n];
    for (int i = 0; i < n; i++) {
      if (l[i] >= 0 && Float.isNaN(cond[i])) {
        // XGBoost would send every row right (x < NaN is false); refuse rather than guess.
        throw condNode.elementError(i, "split threshold is NaN");
      }
      if (l[i] == -1) {
        if (r[i] != -1) {
          throw new ModelFormatException(t.file, t.path + ".right_children[" + i + "]",
              "node " + i + " has no left child but right child " + r[i]);
        }
        leaf[i] = cond[i];
        f[i] = 0;
      } else if (l[i] < 0) {
        throw left.elementError(i, "child index " + l[i]);
      }
      nanRight[i] = !defaultLeft[i];
    }
    return new TreeSpec(l, r, f, cond, nanRight, new boolean[n], leaf);
  }

  private static Json.Node array(Json.Node tree, String field, int n) throws ModelFormatException {
    Json.Node a = tree.get(field);
    if (a.size() != n) {
      throw a.error("has " + a.size() + " entries, but the tree has " + n + " nodes");
    }
    return a;
  }
}
