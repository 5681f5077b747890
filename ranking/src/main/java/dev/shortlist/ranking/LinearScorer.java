package dev.shortlist.ranking;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Scorer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A linear model over named features: {@code score = bias + Σ weight_f · x_f}, optionally passed
 * through the logistic function (a logistic-regression probability).
 *
 * <p>Weights are bound to feature columns by name: {@link #requiredFeatures()} lets the
 * recommender refuse a model whose features the assembly does not produce, and a matrix whose
 * schema lacks a feature fails with a message naming it. Immutable and thread-safe.
 */
public final class LinearScorer implements Scorer {

  private final String name;
  private final float bias;
  private final String[] features;
  private final float[] weights;
  private final boolean logistic;
  /** The last schema seen and the column of each feature in it; replaced atomically. */
  private volatile Binding binding;

  private record Binding(FeatureSchema schema, int[] columns) {}

  private LinearScorer(Builder b) {
    this.name = b.name;
    this.bias = b.bias;
    this.features = b.weights.keySet().toArray(new String[0]);
    this.weights = new float[features.length];
    for (int i = 0; i < features.length; i++) {
      weights[i] = b.weights.get(features[i]);
    }
    this.logistic = b.logistic;
  }

  /** A builder for a scorer named {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<String> requiredFeatures() {
    return List.of(features);
  }

  /**
   * Scores each row of {@code candidates.features()}.
   *
   * @throws IllegalStateException if the candidates have no features, or lack one of this model's
   */
  @Override
  public float[] score(Query query, Candidates candidates) {
    FeatureMatrix m = candidates.features();
    if (m == null) {
      throw new IllegalStateException("linear scorer '" + name + "' needs assembled features");
    }
    int[] cols = bind(m.schema());
    float[] x = m.array();
    int width = m.columns();
    float[] out = new float[m.rows()];
    for (int r = 0, base = 0; r < out.length; r++, base += width) {
      float s = bias;
      for (int j = 0; j < cols.length; j++) {
        s += weights[j] * x[base + cols[j]];
      }
      out[r] = logistic ? (float) (1 / (1 + Math.exp(-s))) : s;
    }
    return out;
  }

  private int[] bind(FeatureSchema schema) {
    Binding b = binding;
    if (b != null && b.schema == schema) {
      return b.columns;
    }
    int[] cols = new int[features.length];
    for (int j = 0; j < features.length; j++) {
      cols[j] = schema.indexOf(features[j]);
      if (cols[j] < 0) {
        throw new IllegalStateException(
            "linear scorer '" + name + "' needs feature '" + features[j]
                + "', which the assembled features " + schema.names() + " lack");
      }
    }
    binding = new Binding(schema, cols);
    return cols;
  }

  /** The weights by feature name, in declaration order. */
  public Map<String, Float> weights() {
    Map<String, Float> m = new LinkedHashMap<>();
    for (int i = 0; i < features.length; i++) {
      m.put(features[i], weights[i]);
    }
    return m;
  }

  public float bias() {
    return bias;
  }

  @Override
  public String toString() {
    return "LinearScorer[" + name + ", " + features.length + " features"
        + (logistic ? ", logistic" : "") + "]";
  }

  /** Configures a {@link LinearScorer}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final Map<String, Float> weights = new LinkedHashMap<>();
    private float bias;
    private boolean logistic;

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
    }

    /**
     * Sets the weight of {@code feature}.
     *
     * @throws IllegalArgumentException if the weight is not finite or the feature already has one
     */
    public Builder weight(String feature, float weight) {
      Objects.requireNonNull(feature, "feature");
      if (feature.isBlank()) {
        throw new IllegalArgumentException("feature must not be blank, was '" + feature + "'");
      }
      if (!Float.isFinite(weight)) {
        throw new IllegalArgumentException(
            "weight of feature '" + feature + "' must be finite, was " + weight);
      }
      if (weights.putIfAbsent(feature, weight) != null) {
        throw new IllegalArgumentException("feature '" + feature + "' already has a weight");
      }
      return this;
    }

    /** Sets the intercept. */
    public Builder bias(float bias) {
      if (!Float.isFinite(bias)) {
        throw new IllegalArgumentException("bias must be finite, was " + bias);
      }
      this.bias = bias;
      return this;
    }

    /** Whether to pass the sum through the logistic function; default false. */
    public Builder logistic(boolean logistic) {
      this.logistic = logistic;
      return this;
    }

    /**
     * Builds the scorer.
     *
     * @throws IllegalStateException if no weight was given
     */
    public LinearScorer build() {
      if (weights.isEmpty()) {
        throw new IllegalStateException("linear scorer '" + name + "' has no weights");
      }
      return new LinearScorer(this);
    }
  }
}
