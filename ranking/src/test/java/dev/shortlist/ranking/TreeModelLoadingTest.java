package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.FeatureSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading tree models: each refused construct and each kind of damage gives a {@link
 * ModelFormatException} naming the file and where in it; features bind by name, or by position
 * when the model has none. The damaged files are the fixtures with one thing changed.
 */
class TreeModelLoadingTest {

  static final FeatureSchema UNNAMED = FeatureSchema.of("f0", "f1", "f2", "f3", "f4", "f5");
  static final FeatureSchema NAMED =
      FeatureSchema.of("feat_a", "feat_b", "feat_c", "feat_d", "feat_e", "feat_f");

  @TempDir Path dir;

  String xgboost() throws IOException {
    return Files.readString(TreeFixtures.file("xgb17-reg-squarederror.json"));
  }

  String lightgbm() throws IOException {
    return Files.readString(TreeFixtures.file("lgbm-rank-xendcg.txt"));
  }

  Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  /** Replaces the first {@code from}, which must occur. */
  static String once(String text, String from, String to) {
    int at = text.indexOf(from);
    assertThat(at).as("'%s' in the fixture", from).isGreaterThanOrEqualTo(0);
    return text.substring(0, at) + to + text.substring(at + from.length());
  }

  AbstractThrowableAssert<?, ? extends Throwable> xgboostFails(String name, String text) throws IOException {
    Path p = write(name, text);
    return assertThatThrownBy(() -> TreeEnsembleScorer.fromXgboostJson(p, UNNAMED))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(p.toString())
        .satisfies(e -> assertThat(((ModelFormatException) e).file()).isEqualTo(p));
  }

  AbstractThrowableAssert<?, ? extends Throwable> lightgbmFails(String name, String text) throws IOException {
    Path p = write(name, text);
    return assertThatThrownBy(() -> TreeEnsembleScorer.fromLightGbm(p, NAMED))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining(p.toString());
  }

  // XGBoost: refused constructs.

  @Test
  void xgboost_dart_isRefused() throws IOException {
    xgboostFails("dart.json", once(xgboost(), "\"name\":\"gbtree\"", "\"name\":\"dart\""))
        .hasMessageContaining("learner.gradient_booster.name").hasMessageContaining("DART");
  }

  @Test
  void xgboost_gblinear_isRefused() throws IOException {
    xgboostFails("linear.json", once(xgboost(), "\"name\":\"gbtree\"", "\"name\":\"gblinear\""))
        .hasMessageContaining("gblinear");
  }

  @Test
  void xgboost_multiClass_isRefused() throws IOException {
    xgboostFails("multi.json", once(xgboost(), "\"num_class\":\"0\"", "\"num_class\":\"3\""))
        .hasMessageContaining("learner.learner_model_param.num_class").hasMessageContaining("multi-class");
    xgboostFails("softmax.json", once(xgboost(), "\"reg:squarederror\"", "\"multi:softprob\""))
        .hasMessageContaining("learner.objective.name").hasMessageContaining("unsupported objective 'multi:softprob'");
    xgboostFails("groups.json", once(xgboost(), "\"tree_info\":[0,0", "\"tree_info\":[0,1"))
        .hasMessageContaining("tree_info[1]").hasMessageContaining("multi-class");
  }

  @Test
  void xgboost_multiTarget_isRefused() throws IOException {
    xgboostFails("targets.json", once(xgboost(), "\"num_target\":\"1\"", "\"num_target\":\"2\""))
        .hasMessageContaining("multi-target");
    String base = xgboost().replaceFirst("\"base_score\":\"[^\"]*\"", "\"base_score\":\"[5E-1,2E-1]\"");
    xgboostFails("bases.json", base).hasMessageContaining("base_score").hasMessageContaining("multi-target");
  }

  @Test
  void xgboost_categorical_isRefused() throws IOException {
    xgboostFails("cat.json", once(xgboost(), "\"split_type\":[0", "\"split_type\":[1"))
        .hasMessageContaining("trees[0].split_type[0]").hasMessageContaining("categorical split");
    xgboostFails("cattype.json", once(xgboost(), "\"feature_types\":[]",
        "\"feature_types\":[\"q\",\"c\",\"q\",\"q\",\"q\",\"q\"]"))
        .hasMessageContaining("feature_types[1]").hasMessageContaining("categorical feature 1");
  }

  // XGBoost: damage.

  @Test
  void xgboost_truncated_namesTheLineAndColumn() throws IOException {
    String text = xgboost();
    xgboostFails("cut.json", text.substring(0, text.length() / 2))
        .hasMessageContaining("line 1, column " + (text.length() / 2 + 1))
        .hasMessageContaining("truncated");
  }

  @Test
  void xgboost_syntaxError_namesTheLineAndColumn() throws IOException {
    String text = "{\n  \"learner\": {\n    \"x\": [1, 2,, 3]\n  }\n}";
    xgboostFails("syntax.json", text)
        .hasMessageContaining("line 3, column 16")
        .hasMessageContaining("expected a JSON value, found ','");
  }

  @Test
  void xgboost_missingOrWrongFields_nameTheField() throws IOException {
    xgboostFails("nofield.json", once(xgboost(), "\"split_conditions\"", "\"split_conditionz\""))
        .hasMessageContaining("trees[0].split_conditions").hasMessageContaining("missing field");
    xgboostFails("short.json", xgboost().replaceFirst("\"right_children\":\\[([0-9]+),", "\"right_children\":["))
        .hasMessageContaining("trees[0].right_children").hasMessageContaining("entries");
    xgboostFails("type.json", once(xgboost(), "\"num_feature\":\"6\",\"num_target\"", "\"num_feature\":\"six\",\"num_target\""))
        .hasMessageContaining("learner.learner_model_param.num_feature").hasMessageContaining("expected an integer");
    xgboostFails("count.json", once(xgboost(), "\"num_trees\":\"12\"", "\"num_trees\":\"13\""))
        .hasMessageContaining("num_trees").hasMessageContaining("13 trees");
  }

  @Test
  void xgboost_badStructure_namesTheTreeAndNode() throws IOException {
    xgboostFails("range.json", once(xgboost(), "\"left_children\":[1,", "\"left_children\":[999,"))
        .hasMessageContaining("trees[0]").hasMessageContaining("node 0 has child 999");
    xgboostFails("cycle.json", once(xgboost(), "\"left_children\":[1,", "\"left_children\":[2,"))
        .hasMessageContaining("trees[0]").hasMessageContaining("reached twice");
    xgboostFails("feature.json", once(xgboost(), "\"split_indices\":[", "\"split_indices\":[7"))
        .hasMessageContaining("trees[0]");
    xgboostFails("nan.json", once(xgboost(), "\"split_conditions\":[", "\"split_conditions\":[NaN,"))
        .hasMessageContaining("trees[0]");
  }

  @Test
  void xgboost_notJson_orEmpty_isRefused() throws IOException {
    xgboostFails("empty.json", "").hasMessageContaining("line 1, column 1").hasMessageContaining("truncated");
    xgboostFails("text.json", lightgbm()).hasMessageContaining("line 1, column 3");
    xgboostFails("array.json", "[1, 2]").hasMessageContaining("expected a JSON object");
    Path bad = dir.resolve("latin1.json");
    Files.write(bad, new byte[] {'{', '"', (byte) 0xE9, '"', ':', '1', '}'});
    assertThatThrownBy(() -> TreeEnsembleScorer.fromXgboostJson(bad, UNNAMED))
        .isInstanceOf(ModelFormatException.class).hasMessageContaining("UTF-8");
  }

  @Test
  void xgboost_baseScore_inEveryWrittenForm() throws IOException {
    String text = xgboost();
    float[] row = new float[6];
    float plain = TreeEnsembleScorer.fromXgboostJson(write("plain.json", text), UNNAMED).predict(row, 1)[0];
    String base = text.replaceFirst(".*\"base_score\":\"([^\"]*)\".*", "$1");
    for (String form : List.of("\"[" + base + "]\"", "\"" + base + "\"", base, "[" + base + "]")) {
      String changed = text.replace("\"base_score\":\"" + base + "\"", "\"base_score\":" + form);
      assertThat(TreeEnsembleScorer.fromXgboostJson(write("b.json", changed), UNNAMED).predict(row, 1)[0])
          .as(form).isEqualTo(plain);
    }
  }

  // LightGBM: refused constructs.

  @Test
  void lightgbm_refusedConstructs_nameTheLine() throws IOException {
    String text = lightgbm();
    lightgbmFails("multi.txt", once(text, "num_class=1", "num_class=3"))
        .hasMessageContaining("line 3").hasMessageContaining("multi-class");
    lightgbmFails("perit.txt", once(text, "num_tree_per_iteration=1", "num_tree_per_iteration=3"))
        .hasMessageContaining("multi-class");
    lightgbmFails("softmax.txt", once(text, "objective=rank_xendcg", "objective=multiclass num_class:3"))
        .hasMessageContaining("line 7").hasMessageContaining("unsupported objective 'multiclass'");
    lightgbmFails("dart.txt", once(text, "[boosting: gbdt]", "[boosting: dart]"))
        .hasMessageContaining("DART");
    lightgbmFails("rf.txt", once(text, "num_class=1", "num_class=1\naverage_output"))
        .hasMessageContaining("random-forest");
    lightgbmFails("linear.txt", once(text, "is_linear=0", "is_linear=1"))
        .hasMessageContaining("linear trees").hasMessageContaining("Tree=0");
    lightgbmFails("cat.txt", once(text, "num_cat=0", "num_cat=1"))
        .hasMessageContaining("categorical");
    String decision = text.replaceFirst("decision_type=([0-9]+)", "decision_type=9");
    lightgbmFails("catsplit.txt", decision).hasMessageContaining("categorical split at node 0 of Tree=0");
    lightgbmFails("sqrt.txt", once(text, "objective=rank_xendcg", "objective=regression sqrt"))
        .hasMessageContaining("sqrt");
  }

  // LightGBM: damage.

  @Test
  void lightgbm_truncatedOrDamaged_namesTheLine() throws IOException {
    String text = lightgbm();
    int end = text.indexOf("end of trees");
    lightgbmFails("cut.txt", text.substring(0, end)).hasMessageContaining("truncated");
    int tree2 = text.indexOf("Tree=2");
    lightgbmFails("cut2.txt", text.substring(0, tree2 + 40)).hasMessageContaining("Tree=2");
    lightgbmFails("number.txt", text.replaceFirst("threshold=[^ ]+", "threshold=abc"))
        .hasMessageContaining("threshold value 0 'abc' is not a number in Tree=0");
    lightgbmFails("noline.txt", text.replaceFirst("left_child=[^\\n]*\\n", ""))
        .hasMessageContaining("Tree=0 has no left_child line");
    lightgbmFails("count.txt", text.replaceFirst("leaf_value=([^ ]+) ", "leaf_value="))
        .hasMessageContaining("leaf_value has");
    lightgbmFails("order.txt", once(text, "Tree=1\n", "Tree=7\n"))
        .hasMessageContaining("expected Tree=1, found Tree=7");
    lightgbmFails("child.txt", text.replaceFirst("left_child=[^ ]+", "left_child=99"))
        .hasMessageContaining("child 99 of node 0 in Tree=0 is out of range");
    lightgbmFails("sizes.txt", text.replaceFirst("tree_sizes=[0-9]+ ", "tree_sizes="))
        .hasMessageContaining("tree_sizes lists");
    lightgbmFails("json.txt", xgboost()).hasMessageContaining("line 1").hasMessageContaining("not a LightGBM");
    lightgbmFails("empty.txt", "").hasMessageContaining("not a LightGBM");
  }

  // Features.

  @Test
  void features_bindByName_andAMissingFeatureIsAnErrorAtLoad() throws IOException {
    Path named = TreeFixtures.file("xgb17-binary-logistic.json");
    TreeEnsembleScorer s = TreeEnsembleScorer.fromXgboostJson(named,
        FeatureSchema.of("other", "feat_f", "feat_e", "feat_d", "feat_c", "feat_b", "feat_a"));
    assertThat(s.requiredFeatures()).containsExactly("feat_a", "feat_b", "feat_c", "feat_d", "feat_e", "feat_f");
    assertThat(s.name()).isEqualTo("xgb17-binary-logistic");
    assertThatThrownBy(() -> TreeEnsembleScorer.fromXgboostJson(named, FeatureSchema.of("feat_a", "feat_b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs features [feat_c, feat_d, feat_e, feat_f]");
  }

  @Test
  void features_ofAnUnnamedModel_bindByPosition_andTheCountMustMatch() throws IOException {
    Path unnamed = TreeFixtures.file("xgb17-reg-squarederror.json");
    FeatureSchema schema = FeatureSchema.of("a", "b", "c", "d", "e", "f");
    assertThat(TreeEnsembleScorer.fromXgboostJson(unnamed, schema).requiredFeatures())
        .containsExactly("a", "b", "c", "d", "e", "f");
    assertThatThrownBy(() -> TreeEnsembleScorer.fromXgboostJson(unnamed, FeatureSchema.of("a", "b", "c")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("6 unnamed features")
        .hasMessageContaining("the schema has 3 features");
    TreeEnsembleScorer renamed = TreeEnsembleScorer.fromXgboostJson(unnamed,
        FeatureSchema.of("z", "u", "v", "w", "x", "y", "t"),
        TreeEnsembleScorer.Options.defaults().withName("ctr")
            .withFeatureNames(List.of("t", "u", "v", "w", "x", "y")));
    assertThat(renamed.requiredFeatures()).containsExactly("t", "u", "v", "w", "x", "y");
    assertThat(renamed.name()).isEqualTo("ctr");
    assertThatThrownBy(() -> TreeEnsembleScorer.Options.defaults().withFeatureNames(List.of("a", "a")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate feature name 'a'");
  }

  @Test
  void lightgbm_defaultColumnNames_countAsUnnamed() throws IOException {
    String text = lightgbm().replace("feature_names=feat_a feat_b feat_c feat_d feat_e feat_f",
        "feature_names=Column_0 Column_1 Column_2 Column_3 Column_4 Column_5");
    Path p = write("columns.txt", text);
    assertThat(TreeEnsembleScorer.fromLightGbm(p, UNNAMED).requiredFeatures())
        .containsExactly("f0", "f1", "f2", "f3", "f4", "f5");
  }

  @Test
  void describesItself() throws IOException {
    TreeEnsembleScorer s = TreeEnsembleScorer.fromLightGbm(TreeFixtures.file("lgbm-binary.txt"), NAMED);
    assertThat(s.objective()).isEqualTo("binary sigmoid:1.5");
    assertThat(s.trees()).isEqualTo(20);
    assertThat(s.output()).isEqualTo(TreeEnsembleScorer.Output.TRANSFORMED);
    assertThat(s.toString()).contains("lgbm-binary", "LightGBM v4 text", "20 trees");
  }
}
