package dev.shortlist.core.eval;

import dev.shortlist.core.FeatureSchema;
import java.util.Objects;
import java.util.function.IntPredicate;

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

  /** The number of query groups (users). */
  public int groupCount() {
    return groups.length;
  }

  /**
   * This data followed by {@code other}'s groups.
   *
   * @throws IllegalArgumentException if the schemas differ
   */
  public RankingData concat(RankingData other) {
    Objects.requireNonNull(other, "other");
    if (!schema.equals(other.schema)) {
      throw new IllegalArgumentException(
          "cannot concatenate ranking data of schema " + other.schema + " to " + schema);
    }
    float[] f = java.util.Arrays.copyOf(features, features.length + other.features.length);
    System.arraycopy(other.features, 0, f, features.length, other.features.length);
    float[] y = java.util.Arrays.copyOf(labels, labels.length + other.labels.length);
    System.arraycopy(other.labels, 0, y, labels.length, other.labels.length);
    int[] g = java.util.Arrays.copyOf(groups, groups.length + other.groups.length);
    System.arraycopy(other.groups, 0, g, groups.length, other.groups.length);
    return new RankingData(schema, f, y, g);
  }

  /**
   * The groups whose index (0-based, in row order) {@code keep} accepts, in their order: e.g.
   * {@code g -> g % 5 != fold} for the training part of a 5-fold cross-validation.
   */
  public RankingData groups(IntPredicate keep) {
    Objects.requireNonNull(keep, "keep");
    int cols = schema.size();
    int keptRows = 0;
    int keptGroups = 0;
    for (int g = 0; g < groups.length; g++) {
      if (keep.test(g)) {
        keptRows += groups[g];
        keptGroups++;
      }
    }
    float[] f = new float[keptRows * cols];
    float[] y = new float[keptRows];
    int[] sizes = new int[keptGroups];
    int from = 0;
    int to = 0;
    int kept = 0;
    for (int g = 0; g < groups.length; g++) {
      int n = groups[g];
      if (keep.test(g)) {
        System.arraycopy(features, from * cols, f, to * cols, n * cols);
        System.arraycopy(labels, from, y, to, n);
        sizes[kept++] = n;
        to += n;
      }
      from += n;
    }
    return new RankingData(schema, f, y, sizes);
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
