package dev.shortlist.train;

import dev.shortlist.core.Scorer;
import dev.shortlist.core.eval.OfflineEvaluation;
import dev.shortlist.core.eval.RankingData;
import dev.shortlist.ranking.TreeEnsembleScorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

/**
 * Trains a LambdaMART ranker with XGBoost ({@code rank:ndcg}, one query group per user), picks
 * the number of trees by early stopping on nDCG@10 of the validation groups, saves it as XGBoost
 * JSON, and loads that file into Shortlist's pure-Java {@link TreeEnsembleScorer} for serving.
 * XGBoost is needed to train only.
 *
 * <p>Immutable; train one model at a time per output file.
 */
public final class LambdaMartTrainer implements OfflineEvaluation.RankerTrainer {

  private static final int PATIENCE = 60;

  private final Path modelFile;
  private final int maxTrees;
  private final int depth;
  private final long seed;
  private final java.util.function.Consumer<String> log;

  /**
   * @param modelFile where the XGBoost JSON model is written
   * @param maxTrees the most boosting rounds; early stopping after 60 rounds without gain
   * @param depth the trees' maximum depth
   */
  public LambdaMartTrainer(Path modelFile, int maxTrees, int depth, long seed,
      java.util.function.Consumer<String> log) {
    this.log = log;
    this.modelFile = modelFile;
    this.maxTrees = maxTrees;
    this.depth = depth;
    this.seed = seed;
  }

  @Override
  public Scorer train(RankingData train, RankingData validation) throws Exception {
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
    DMatrix dtrain = matrix(train);
    DMatrix dvalidation = validation.rows() > 0 ? matrix(validation) : null;
    try {
      int rounds = maxTrees;
      if (dvalidation != null) {
        // Early stopping by hand, round by round: XGBoost4J's own needs Jackson on the class path.
        DMatrix[] sets = {dvalidation};
        String[] names = {"validation"};
        Booster probe = XGBoost.train(dtrain, params, 0, new HashMap<>(), null, null);
        float best = Float.NEGATIVE_INFINITY;
        float[] metric = new float[1];
        rounds = 1;
        for (int round = 0; round < maxTrees && round - rounds < PATIENCE; round++) {
          probe.update(dtrain, round);
          probe.evalSet(sets, names, round, metric);
          if (metric[0] > best) {
            best = metric[0];
            rounds = round + 1;
          }
        }
        probe.dispose();
        log.accept(String.format(java.util.Locale.ROOT,
            "  LambdaMART: %d trees (best validation ndcg@10 %.4f)", rounds, best));
      }
      Booster booster = XGBoost.train(dtrain, params, rounds, new HashMap<>(), null, null);
      Files.createDirectories(modelFile.toAbsolutePath().getParent());
      booster.saveModel(modelFile.toString());
      booster.dispose();
    } finally {
      // Native memory: XGBoost4J frees it only here (or in a finalizer, if ever).
      dtrain.dispose();
      if (dvalidation != null) {
        dvalidation.dispose();
      }
    }
    return TreeEnsembleScorer.fromXgboostJson(modelFile, train.schema(),
        TreeEnsembleScorer.Options.defaults().withName("lambdamart")
            .withOutput(TreeEnsembleScorer.Output.MARGIN));
  }

  private static DMatrix matrix(RankingData data) throws Exception {
    DMatrix m = new DMatrix(data.features(), data.rows(), data.schema().size(), Float.NaN);
    m.setLabel(data.labels());
    m.setGroup(data.groups());
    m.setFeatureNames(data.schema().names().toArray(new String[0]));
    return m;
  }
}
