package dev.shortlist.ranking;

import java.util.List;

/**
 * A tree-ensemble model as a loader read it.
 *
 * @param ensemble the flattened trees
 * @param featureNames the model's feature names in model order, or null when the model has none
 *     (features are then bound by position)
 * @param objective the training objective as the file names it
 * @param format the format and library version, for messages (e.g. {@code "XGBoost 3.0.4 JSON"})
 */
record LoadedTrees(TreeEnsemble ensemble, List<String> featureNames, String objective, String format) {}
