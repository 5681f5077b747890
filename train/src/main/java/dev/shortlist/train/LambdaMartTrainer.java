package dev.shortlist.train;

import dev.shortlist.core.Scorer;
import dev.shortlist.core.eval.OfflineEvaluation;
import dev.shortlist.core.eval.RankingData;
import dev.shortlist.ranking.TreeEnsembleScorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

/**
 * Trains a LambdaMART ranker with XGBoost ({@code rank:ndcg}, one query group per user), saves it
 * as XGBoost JSON, and loads that file into Shortlist's pure-Java {@link TreeEnsembleScorer} for
 * serving. XGBoost is needed to train only.
 *
 * <p><b>How many trees.</b> The training and validation groups are pooled and the number of trees
 * is chosen by {@value #FOLDS}-fold cross-validation over the groups (group {@code g} is in fold
 * {@code g % }{@value #FOLDS}): the round with the best mean nDCG@10 over the held-out folds, up to
 * {@code maxTrees}. The final model is then trained on all the pooled groups. Early stopping on a
 * single validation slice was tried first: with a few hundred users it picked between 2 and 111
 * trees from one data set to the next, and its models were unstable. With fewer than
 * {@value #FOLDS} groups, {@code maxTrees} are trained.
 *
 * <p>Immutable; train one model at a time per output file.
 */
public final class LambdaMartTrainer implements OfflineEvaluation.RankerTrainer {

  /** Cross-validation folds used to choose the number of trees. */
  public static final int FOLDS = 5;

  private final Path modelFile;
  private final int maxTrees;
  private final int depth;
  private final long seed;
  private final java.util.function.Consumer<String> log;

  /**
   * @param modelFile where the XGBoost JSON model is written
   * @param maxTrees the most boosting rounds (trees)
   * @param depth the trees' maximum depth
   * @param seed XGBoost's seed (row and column subsampling)
   * @param log receives one line on the chosen size
   * @throws IllegalArgumentException if {@code maxTrees} or {@code depth} is not positive
   */
  public LambdaMartTrainer(Path modelFile, int maxTrees, int depth, long seed,
      java.util.function.Consumer<String> log) {
    if (maxTrees <= 0) {
      throw new IllegalArgumentException("maxTrees must be positive, was " + maxTrees);
    }
    if (depth <= 0) {
      throw new IllegalArgumentException("depth must be positive, was " + depth);
    }
    this.log = Objects.requireNonNull(log, "log");
    this.modelFile = Objects.requireNonNull(modelFile, "modelFile");
    this.maxTrees = maxTrees;
    this.depth = depth;
    this.seed = seed;
  }

  @Override
  public Scorer train(RankingData train, RankingData validation) throws Exception {
    Map<String, Object> params = params();
    RankingData all = train.concat(validation);
    int rounds = maxTrees;
    if (all.groupCount() >= FOLDS) {
      double[] sum = new double[maxTrees];
      for (int fold = 0; fold < FOLDS; fold++) {
        int f = fold;
        float[] curve = validationCurve(params, all.groups(g -> g % FOLDS != f),
            all.groups(g -> g % FOLDS == f));
        for (int r = 0; r < maxTrees; r++) {
          sum[r] += curve[r];
        }
      }
      int best = 0;
      for (int r = 1; r < maxTrees; r++) {
        if (sum[r] > sum[best]) {
          best = r;
        }
      }
      rounds = best + 1;
      log.accept(String.format(Locale.ROOT,
          "  LambdaMART: %d trees (%d-fold cross-validated ndcg@10 %.4f), trained on all %d groups",
          rounds, FOLDS, sum[best] / FOLDS, all.groupCount()));
    } else {
      log.accept("  LambdaMART: " + rounds + " trees (too few groups to cross-validate: "
          + all.groupCount() + ")");
    }
    DMatrix dall = matrix(all);
    try {
      Booster booster = XGBoost.train(dall, params, rounds, new HashMap<>(), null, null);
      Files.createDirectories(modelFile.toAbsolutePath().getParent());
      booster.saveModel(modelFile.toString());
      booster.dispose();
    } finally {
      // Native memory: XGBoost4J frees it only here (or in a finalizer, if ever).
      dall.dispose();
    }
    return TreeEnsembleScorer.fromXgboostJson(modelFile, train.schema(),
        TreeEnsembleScorer.Options.defaults().withName("lambdamart")
            .withOutput(TreeEnsembleScorer.Output.MARGIN));
  }

  private Map<String, Object> params() {
    Map<String, Object> params = new HashMap<>();
    params.put("objective", "rank:ndcg");
    params.put("eval_metric", "ndcg@10");
    params.put("eta", 0.05);
    params.put("max_depth", depth);
    params.put("min_child_weight", 10);
    params.put("subsample", 0.8);
    params.put("colsample_bytree", 0.8);
    params.put("tree_method", "hist");
    params.put("seed", seed);
    params.put("nthread", 2);
    params.put("verbosity", 0);
    params.put("maximize_evaluation_metrics", true);
    return params;
  }

  /** nDCG@10 on {@code held} after each of {@code maxTrees} rounds of training on {@code fit}. */
  private float[] validationCurve(Map<String, Object> params, RankingData fit, RankingData held)
      throws Exception {
    DMatrix dfit = matrix(fit);
    DMatrix dheld = matrix(held);
    try {
      // Round by round: XGBoost4J's own evaluation watches need Jackson on the class path.
      Booster booster = XGBoost.train(dfit, params, 0, new HashMap<>(), null, null);
      try {
        DMatrix[] sets = {dheld};
        String[] names = {"held-out"};
        float[] metric = new float[1];
        float[] curve = new float[maxTrees];
        for (int round = 0; round < maxTrees; round++) {
          booster.update(dfit, round);
          booster.evalSet(sets, names, round, metric);
          curve[round] = metric[0];
        }
        return curve;
      } finally {
        booster.dispose();
      }
    } finally {
      dfit.dispose();
      dheld.dispose();
    }
  }

  private static DMatrix matrix(RankingData data) throws Exception {
    DMatrix m = new DMatrix(data.features(), data.rows(), data.schema().size(), Float.NaN);
    m.setLabel(data.labels());
    m.setGroup(data.groups());
    m.setFeatureNames(data.schema().names().toArray(new String[0]));
    return m;
  }
}
