package dev.shortlist.ranking;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.FeatureAssembler;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Assembles the candidates × features matrix from named {@link CandidateFeature}s, one column
 * each, in declaration order. A missing value (NaN or infinite) becomes the feature's default;
 * a default of NaN keeps it missing, for models that handle missing values (tree ensembles).
 *
 * <p>Immutable and thread-safe.
 */
public final class FeatureAssembly implements FeatureAssembler {

  private final String name;
  private final FeatureSchema schema;
  private final CandidateFeature[] features;
  private final float[] defaults;

  private FeatureAssembly(String name, List<String> names, List<CandidateFeature> fs, float[] defaults) {
    this.name = name;
    this.schema = FeatureSchema.of(names);
    this.features = fs.toArray(new CandidateFeature[0]);
    this.defaults = defaults;
  }

  /** A builder for an assembler named {@code name} (e.g. {@code "features"}). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public FeatureSchema schema() {
    return schema;
  }

  @Override
  public FeatureMatrix assemble(Query query, Candidates candidates) {
    int rows = candidates.size();
    int cols = features.length;
    float[] m = new float[rows * cols];
    for (int j = 0; j < cols; j++) {
      CandidateFeature f = features[j];
      float dflt = defaults[j];
      for (int r = 0, at = j; r < rows; r++, at += cols) {
        float v = f.value(query, candidates, r);
        m[at] = Float.isFinite(v) ? v : dflt;
      }
    }
    return FeatureMatrix.wrap(schema, m, rows);
  }

  @Override
  public String toString() {
    return "FeatureAssembly[" + name + ", " + schema.names() + "]";
  }

  /** Configures a {@link FeatureAssembly}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final List<String> names = new ArrayList<>();
    private final List<CandidateFeature> features = new ArrayList<>();
    private final List<Float> defaults = new ArrayList<>();

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
    }

    /** Adds a feature whose missing values default to 0. */
    public Builder feature(String feature, CandidateFeature f) {
      return feature(feature, 0f, f);
    }

    /**
     * Adds a feature whose missing values become {@code defaultValue} (NaN: stay missing).
     *
     * @throws IllegalArgumentException if the name is blank or taken, or the default infinite
     */
    public Builder feature(String feature, float defaultValue, CandidateFeature f) {
      Objects.requireNonNull(feature, "feature");
      Objects.requireNonNull(f, "f");
      if (feature.isBlank()) {
        throw new IllegalArgumentException("feature must not be blank, was '" + feature + "'");
      }
      if (names.contains(feature)) {
        throw new IllegalArgumentException("duplicate feature name '" + feature + "'");
      }
      if (Float.isInfinite(defaultValue)) {
        throw new IllegalArgumentException(
            "default of feature '" + feature + "' must be finite or NaN (missing), was "
                + defaultValue);
      }
      names.add(feature);
      features.add(f);
      defaults.add(defaultValue);
      return this;
    }

    /**
     * Builds the assembler.
     *
     * @throws IllegalStateException if no feature was added
     */
    public FeatureAssembly build() {
      if (names.isEmpty()) {
        throw new IllegalStateException("feature assembly '" + name + "' has no features");
      }
      float[] d = new float[defaults.size()];
      for (int i = 0; i < d.length; i++) {
        d[i] = defaults.get(i);
      }
      return new FeatureAssembly(name, names, features, d);
    }
  }
}
