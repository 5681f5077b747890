package dev.shortlist.core.eval;

import dev.shortlist.core.FeatureSchema;
import java.util.Objects;

/**
 * Learning-to-rank training data: the features of each candidate a pipeline retrieved for a user,
 * labelled 1 when the user interacted with the item in the labelling period and 0 otherwise, in
 * one query group per user (consecutive rows).
 *
 * <p>Immutable and thread-safe; arrays are copied in and out.
 *
 * @param schema the feature columns
 * @param features row-major, {@code rows × schema.size()}
 * @param labels one per row
 * @param groups the number of rows of each user's group, in row order
 */
public record RankingData(FeatureSchema schema, float[] features, float[] labels, int[] groups) {

  public RankingData {
    Objects.requireNonNull(schema, "schema");
    features = features.clone();
    labels = labels.clone();
    groups = groups.clone();
    if (features.length != (long) labels.length * schema.size()) {
      throw new IllegalArgumentException(
          "features has " + features.length + " values, expected " + labels.length + " rows × "
              + schema.size() + " columns");
    }
    long sum = 0;
    for (int g : groups) {
      if (g <= 0) {
        throw new IllegalArgumentException("group sizes must be positive, got " + g);
      }
      sum += g;
    }
    if (sum != labels.length) {
      throw new IllegalArgumentException("groups cover " + sum + " rows, labels has " + labels.length);
    }
  }

  /** The number of rows. */
  public int rows() {
    return labels.length;
  }

  @Override
  public float[] features() {
    return features.clone();
  }

  @Override
  public float[] labels() {
    return labels.clone();
  }

  @Override
  public int[] groups() {
    return groups.clone();
  }
}
