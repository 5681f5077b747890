package dev.shortlist.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import dev.shortlist.core.Scorer;
import dev.shortlist.core.eval.RankingData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LambdaMartTrainerTest {

  private static final FeatureSchema SCHEMA = FeatureSchema.of("signal", "noise");

  @TempDir Path dir;

  /**
   * {@code groups} users with 20 candidates each; a candidate is relevant when its signal is
   * above 0.8 (with 10% of labels flipped), and noise carries nothing.
   */
  private static RankingData data(int groups, long seed) {
    Random rnd = new Random(seed);
    int rows = groups * 20;
    float[] f = new float[rows * 2];
    float[] y = new float[rows];
    int[] g = new int[groups];
    for (int r = 0; r < rows; r++) {
      f[2 * r] = rnd.nextFloat();
      f[2 * r + 1] = rnd.nextFloat();
      boolean relevant = f[2 * r] > 0.8f;
      y[r] = (rnd.nextFloat() < 0.1f) != relevant ? 1 : 0;
    }
    java.util.Arrays.fill(g, 20);
    return new RankingData(SCHEMA, f, y, g);
  }

  @Test
  void learnsTheSignal_choosesTreesByCrossValidation_andWritesXgboostJson() throws Exception {
    List<String> log = new ArrayList<>();
    Path model = dir.resolve("ranker.json");
    Scorer scorer = new LambdaMartTrainer(model, 30, 3, 1, log::add)
        .train(data(80, 1), data(20, 2));

    assertThat(Files.readString(model)).contains("\"rank:ndcg\"");
    assertThat(log).singleElement().asString()
        .contains("5-fold cross-validated").contains("trained on all 100 groups");
    int trees = Integer.parseInt(log.get(0).trim().split(" ")[1]);
    assertThat(trees).isBetween(1, 30);

    // A fresh group: the candidates above the threshold rank above those below it.
    float[] values = {0.95f, 0.5f, 0.5f, 0.05f, 0.1f, 0.1f, 0.9f, 0.9f};
    Candidates c = Candidates.of("test", new long[] {1, 2, 3, 4}, new float[4])
        .withFeatures(FeatureMatrix.wrap(SCHEMA, values, 4));
    float[] s = scorer.score(Query.of(Request.forUser("u").build(), Deadline.none()), c);
    assertThat(Math.min(s[0], s[3])).isGreaterThan(Math.max(s[1], s[2]));
  }

  @Test
  void tooFewGroupsToCrossValidate_trainsMaxTrees() throws Exception {
    List<String> log = new ArrayList<>();
    new LambdaMartTrainer(dir.resolve("small.json"), 7, 2, 1, log::add).train(data(3, 1), data(1, 2));

    assertThat(log).singleElement().asString().contains("7 trees").contains("too few groups");
  }

  @Test
  void badSettings_areRefusedNamingTheValue() {
    assertThatThrownBy(() -> new LambdaMartTrainer(dir.resolve("m.json"), 0, 4, 1, s -> {}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTrees").hasMessageContaining("0");
    assertThatThrownBy(() -> new LambdaMartTrainer(dir.resolve("m.json"), 10, -1, 1, s -> {}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("depth").hasMessageContaining("-1");
  }
}
