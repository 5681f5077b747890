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

  /**
   * Loads a linear model from a JSON file of weights by feature name:
   *
   * <pre>{@code
   * {"name": "ctr", "bias": -1.2, "logistic": true,
   *  "weights": {"similarity": 2.0, "popularity": 0.3}}
   * }</pre>
   *
   * {@code weights} is required and must name at least one feature; {@code name} defaults to the
   * file's name without its extension, {@code bias} to 0, {@code logistic} to false. Weights keep
   * the file's order. Other fields are refused, so that a misspelt one is not silently ignored.
   *
   * @throws ModelFormatException if the file is not such a JSON object; the message names the file
   *     and the field, or the line and column of a syntax error
   * @throws IOException if the file cannot be read
   */
  public static LinearScorer fromJson(java.nio.file.Path file) throws java.io.IOException {
    Objects.requireNonNull(file, "file");
    Json.Node root = Json.read(file);
    for (String key : root.keys()) {
      if (!List.of("name", "bias", "logistic", "weights").contains(key)) {
        throw root.get(key).error("unknown field (expected name, bias, logistic and weights)");
      }
    }
    String name;
    Json.Node nameNode = root.opt("name");
    if (nameNode != null) {
      name = nameNode.string();
      if (name.isBlank()) {
        throw nameNode.error("must not be blank");
      }
    } else {
      String fileName = file.getFileName() == null ? file.toString() : file.getFileName().toString();
      int dot = fileName.lastIndexOf('.');
      name = dot > 0 ? fileName.substring(0, dot) : fileName;
    }
    Builder b = builder(name);
    Json.Node bias = root.opt("bias");
    if (bias != null) {
      float v = bias.jsonFloat();
      if (!Float.isFinite(v)) {
        throw bias.error("must be a finite float, was " + v);
      }
      b.bias(v);
    }
    Json.Node logistic = root.opt("logistic");
    if (logistic != null) {
      b.logistic(logistic.bool());
    }
    Json.Node weights = root.get("weights");
    if (weights.keys().isEmpty()) {
      throw weights.error("names no feature");
    }
    for (String feature : weights.keys()) {
      Json.Node w = weights.get(feature);
      if (feature.isBlank()) {
        throw w.error("feature name must not be blank");
      }
      float v = w.jsonFloat();
      if (!Float.isFinite(v)) {
        throw w.error("weight must be a finite float, was " + v);
      }
      b.weight(feature, v);
    }
    return b.build();
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
      if (Float.isNaN(s)) {
        throw missing(m, r, cols, base);
      }
      out[r] = logistic ? (float) (1 / (1 + Math.exp(-s))) : s;
    }
    return out;
  }

  private IllegalStateException missing(FeatureMatrix m, int row, int[] cols, int base) {
    for (int j = 0; j < cols.length; j++) {
      if (Float.isNaN(m.array()[base + cols[j]])) {
        return new IllegalStateException(
            "linear scorer '" + name + "' has no missing-value handling, but feature '"
                + features[j] + "' is missing (NaN) in row " + row);
      }
    }
    return new IllegalStateException("linear scorer '" + name + "' computed NaN for row " + row);
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
