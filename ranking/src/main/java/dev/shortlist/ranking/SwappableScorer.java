package dev.shortlist.ranking;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Scorer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A scorer whose model can be replaced while requests run.
 *
 * <p>A replacement is loaded and validated first — its required features must all be in the
 * {@link FeatureSchema} this scorer serves, and a probe prediction on rows of that schema must
 * return one finite score per row — and only then installed with one atomic write. A load or
 * validation failure leaves the current model serving and is reported in the {@link Swap}
 * result. Each {@link #score} call reads the current model once, so a request in flight finishes
 * on the model it started with.
 *
 * <p>Thread-safe.
 */
public final class SwappableScorer implements Scorer {

  /** Loads a model; may throw anything, which becomes the reason of a failed swap. */
  @FunctionalInterface
  public interface Loader {
    Scorer load() throws Exception;
  }

  /**
   * The outcome of {@link #swap(Loader)}.
   *
   * @param swapped whether the new model now serves
   * @param reason why not, when it does not (null when swapped)
   * @param serving the model serving after the call
   */
  public record Swap(boolean swapped, String reason, Scorer serving) {}

  private final String name;
  private final FeatureSchema schema;
  private final AtomicReference<Scorer> current = new AtomicReference<>();

  private SwappableScorer(String name, FeatureSchema schema) {
    this.name = name;
    this.schema = schema;
  }

  /**
   * A swappable scorer named {@code name}, serving {@code initial} over features of {@code
   * schema}.
   *
   * @throws IllegalArgumentException if {@code initial} fails validation
   */
  public static SwappableScorer create(String name, FeatureSchema schema, Scorer initial) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(initial, "initial");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
    }
    SwappableScorer s = new SwappableScorer(name, schema);
    String problem = s.validate(initial);
    if (problem != null) {
      throw new IllegalArgumentException("initial model of '" + name + "' " + problem);
    }
    s.current.set(initial);
    return s;
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * The serving model's features; a model swapped in may read any feature of the schema given
   * at creation, which is what the recommender should be built with.
   */
  @Override
  public List<String> requiredFeatures() {
    return current.get().requiredFeatures();
  }

  /** The model serving now. */
  public Scorer current() {
    return current.get();
  }

  @Override
  public float[] score(Query query, Candidates candidates) throws Exception {
    return current.get().score(query, candidates);
  }

  /**
   * Loads a model, validates it and, if valid, makes it serve. Never throws for a bad model.
   * Concurrent swaps are applied one after the other.
   */
  public synchronized Swap swap(Loader loader) {
    Objects.requireNonNull(loader, "loader");
    Scorer next;
    try {
      next = loader.load();
    } catch (Exception | LinkageError e) {
      return new Swap(false, "load failed: " + e, current.get());
    }
    if (next == null) {
      return new Swap(false, "load failed: the loader returned null", current.get());
    }
    String problem = validate(next);
    if (problem != null) {
      return new Swap(false, "model " + problem, current.get());
    }
    current.set(next);
    return new Swap(true, null, next);
  }

  /** Null when {@code model} may serve this schema, else what is wrong. */
  private String validate(Scorer model) {
    for (String f : model.requiredFeatures()) {
      if (schema.indexOf(f) < 0) {
        return "reads feature '" + f + "', which the schema " + schema.names() + " lacks";
      }
    }
    int rows = 2;
    Candidates probe =
        Candidates.of("probe", new long[] {0, 1}, new float[] {0, 0})
            .withFeatures(FeatureMatrix.wrap(schema, new float[rows * schema.size()], rows));
    float[] out;
    try {
      out = model.score(Query.of(dev.shortlist.core.Request.forUser("probe").build(),
          dev.shortlist.core.Deadline.none()), probe);
    } catch (Exception | LinkageError e) {
      return "failed the probe prediction: " + e;
    }
    if (out == null || out.length != rows) {
      return "returned " + (out == null ? "null" : out.length + " scores")
          + " for the " + rows + "-row probe";
    }
    for (float v : out) {
      if (!Float.isFinite(v)) {
        return "returned " + v + " on the probe";
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "SwappableScorer[" + name + ", serving " + current.get() + "]";
  }
}
