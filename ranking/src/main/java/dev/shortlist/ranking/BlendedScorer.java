package dev.shortlist.ranking;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Query;
import dev.shortlist.core.Scorer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Multi-objective scoring: several model heads (click, like, watch time, ...) scored on the same
 * candidates and blended into one score, {@code Σ weight_h · head_h}.
 *
 * <p>Immutable; thread-safe if the heads are (all of Shortlist's are).
 */
public final class BlendedScorer implements Scorer {

  private final String name;
  private final Scorer[] heads;
  private final float[] weights;
  private final List<String> required;

  private BlendedScorer(String name, List<Scorer> heads, List<Float> weights) {
    this.name = name;
    this.heads = heads.toArray(new Scorer[0]);
    this.weights = new float[weights.size()];
    for (int i = 0; i < this.weights.length; i++) {
      this.weights[i] = weights.get(i);
    }
    Set<String> features = new LinkedHashSet<>();
    for (Scorer h : heads) {
      features.addAll(h.requiredFeatures());
    }
    this.required = List.copyOf(features);
  }

  /** A builder for a blend named {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<String> requiredFeatures() {
    return required;
  }

  /**
   * The weighted sum of the heads' scores.
   *
   * @throws IllegalStateException naming the head if one breaks the scorer contract
   */
  @Override
  public float[] score(Query query, Candidates candidates) throws Exception {
    int n = candidates.size();
    float[] out = new float[n];
    for (int h = 0; h < heads.length; h++) {
      float[] s = heads[h].score(query, candidates);
      if (s == null || s.length != n) {
        throw new IllegalStateException(
            "head '" + heads[h].name() + "' of '" + name + "' returned "
                + (s == null ? "null" : s.length + " scores") + " for " + n + " candidates");
      }
      float w = weights[h];
      for (int i = 0; i < n; i++) {
        if (!Float.isFinite(s[i])) {
          throw new IllegalStateException(
              "head '" + heads[h].name() + "' of '" + name + "' returned " + s[i] + " for row " + i);
        }
        out[i] += w * s[i];
      }
    }
    return out;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("BlendedScorer[" + name);
    for (int h = 0; h < heads.length; h++) {
      b.append(", ").append(weights[h]).append("×").append(heads[h].name());
    }
    return b.append(']').toString();
  }

  /** Configures a {@link BlendedScorer}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final List<Scorer> heads = new ArrayList<>();
    private final List<Float> weights = new ArrayList<>();

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
    }

    /**
     * Adds a head with its weight.
     *
     * @throws IllegalArgumentException if the weight is not finite or a head of that name exists
     */
    public Builder head(Scorer head, float weight) {
      Objects.requireNonNull(head, "head");
      if (!Float.isFinite(weight)) {
        throw new IllegalArgumentException(
            "weight of head '" + head.name() + "' must be finite, was " + weight);
      }
      for (Scorer h : heads) {
        if (h.name().equals(head.name())) {
          throw new IllegalArgumentException("duplicate head name '" + head.name() + "'");
        }
      }
      heads.add(head);
      weights.add(weight);
      return this;
    }

    /**
     * Builds the blend.
     *
     * @throws IllegalStateException if no head was added
     */
    public BlendedScorer build() {
      if (heads.isEmpty()) {
        throw new IllegalStateException("blend '" + name + "' has no heads");
      }
      return new BlendedScorer(name, heads, weights);
    }
  }
}
