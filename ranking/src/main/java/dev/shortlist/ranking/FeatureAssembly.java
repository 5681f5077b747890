package dev.shortlist.ranking;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.FeatureAssembler;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.ItemFeatureStore;
import dev.shortlist.core.Query;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Assembles the candidates × features matrix, one column per declared feature, in declaration
 * order. A column comes from one of:
 *
 * <ul>
 *   <li>a {@link CandidateFeature}: computed per candidate (retrieval score, source, cross
 *       features such as user·item similarity);
 *   <li>a {@link QueryFeature}: computed once per request and repeated on every row (user
 *       features, request context — see {@link Builder#contextFeature});
 *   <li>an {@link ItemFeatureStore}: looked up once per request for all candidates in one batch
 *       (wrap a slow store in {@link dev.shortlist.core.CachedItemFeatures}).
 * </ul>
 *
 * A missing value (NaN or infinite) becomes the feature's default; a default of NaN keeps it
 * missing, for models that handle missing values (tree ensembles).
 *
 * <p>Immutable and thread-safe if the features and stores are.
 */
public final class FeatureAssembly implements FeatureAssembler {

  /** A feature of the request as a whole, computed once per assembly. */
  @FunctionalInterface
  public interface QueryFeature {
    /** The value for {@code query}; NaN means missing. */
    float value(Query query);
  }

  private final String name;
  private final FeatureSchema schema;
  private final Object[] sources; // CandidateFeature, QueryFeature or StoreColumn, per column
  private final float[] defaults;
  private final ItemFeatureStore[] stores;

  private record StoreColumn(int store, int column) {}

  private FeatureAssembly(String name, List<String> names, List<Object> sources, float[] defaults,
      List<ItemFeatureStore> stores) {
    this.name = name;
    this.schema = FeatureSchema.of(names);
    this.sources = sources.toArray();
    this.defaults = defaults;
    this.stores = stores.toArray(new ItemFeatureStore[0]);
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
  public FeatureMatrix assemble(Query query, Candidates candidates) throws Exception {
    int rows = candidates.size();
    int cols = sources.length;
    float[][] looked = new float[stores.length][];
    if (stores.length > 0) {
      long[] ids = candidates.ids();
      for (int s = 0; s < stores.length; s++) {
        looked[s] = new float[rows * stores[s].schema().size()];
        stores[s].lookup(ids, looked[s]);
      }
    }
    float[] m = new float[rows * cols];
    for (int j = 0; j < cols; j++) {
      float dflt = defaults[j];
      Object source = sources[j];
      if (source instanceof CandidateFeature f) {
        for (int r = 0, at = j; r < rows; r++, at += cols) {
          float v = f.value(query, candidates, r);
          m[at] = Float.isFinite(v) ? v : dflt;
        }
      } else if (source instanceof QueryFeature f) {
        float v = f.value(query);
        v = Float.isFinite(v) ? v : dflt;
        for (int r = 0, at = j; r < rows; r++, at += cols) {
          m[at] = v;
        }
      } else {
        StoreColumn sc = (StoreColumn) source;
        float[] values = looked[sc.store];
        int width = stores[sc.store].schema().size();
        for (int r = 0, at = j, from = sc.column; r < rows; r++, at += cols, from += width) {
          float v = values[from];
          m[at] = Float.isFinite(v) ? v : dflt;
        }
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
    private final List<Object> sources = new ArrayList<>();
    private final List<Float> defaults = new ArrayList<>();
    private final List<ItemFeatureStore> stores = new ArrayList<>();

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
    }

    /** Adds a per-candidate feature whose missing values default to 0. */
    public Builder feature(String feature, CandidateFeature f) {
      return feature(feature, 0f, f);
    }

    /**
     * Adds a per-candidate feature whose missing values become {@code defaultValue} (NaN: stay
     * missing).
     *
     * @throws IllegalArgumentException if the name is blank or taken, or the default infinite
     */
    public Builder feature(String feature, float defaultValue, CandidateFeature f) {
      return add(feature, defaultValue, Objects.requireNonNull(f, "f"));
    }

    /** Adds a per-request feature (a user feature, say), computed once per assembly. */
    public Builder queryFeature(String feature, float defaultValue, QueryFeature f) {
      return add(feature, defaultValue, Objects.requireNonNull(f, "f"));
    }

    /**
     * Adds the request context attribute {@code key} as a number ({@link
     * dev.shortlist.core.Request#context()}); absent or not a number: {@code defaultValue}.
     */
    public Builder contextFeature(String feature, String key, float defaultValue) {
      Objects.requireNonNull(key, "key");
      return queryFeature(feature, defaultValue, q -> {
        String v = q.request().context().get(key);
        if (v == null) {
          return Float.NaN;
        }
        try {
          return Float.parseFloat(v.trim());
        } catch (NumberFormatException e) {
          return Float.NaN;
        }
      });
    }

    /**
     * Adds the features {@code names} of {@code store}, each under its own name, looked up once
     * per assembly for all candidates; unknown items get {@code defaultValue}.
     *
     * @throws IllegalArgumentException if the store has no such feature, or a name is taken
     */
    public Builder itemFeatures(ItemFeatureStore store, float defaultValue, String... names) {
      Objects.requireNonNull(store, "store");
      int s = -1;
      for (int i = 0; i < stores.size(); i++) {
        if (stores.get(i) == store) {
          s = i;
        }
      }
      if (s < 0) {
        stores.add(store);
        s = stores.size() - 1;
      }
      for (String n : names) {
        int column = store.schema().indexOf(n);
        if (column < 0) {
          throw new IllegalArgumentException(
              "item feature store has no feature '" + n + "' (it has " + store.schema().names() + ")");
        }
        add(n, defaultValue, new StoreColumn(s, column));
      }
      return this;
    }

    private Builder add(String feature, float defaultValue, Object source) {
      Objects.requireNonNull(feature, "feature");
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
      sources.add(source);
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
      return new FeatureAssembly(name, names, sources, d, stores);
    }
  }
}
