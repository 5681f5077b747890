package dev.shortlist.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The ordered, named columns of a {@link FeatureMatrix}. A model declares the schema it expects;
 * a mismatch is found when the model is bound, not as a silent wrong prediction.
 *
 * <p>Immutable and thread-safe.
 */
public final class FeatureSchema {

  private final List<String> names;
  private final Map<String, Integer> index;

  private FeatureSchema(List<String> names) {
    this.names = names;
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      m.put(names.get(i), i);
    }
    this.index = Map.copyOf(m);
  }

  /**
   * A schema of the given feature names, in order.
   *
   * @throws IllegalArgumentException if a name is blank or repeated
   */
  public static FeatureSchema of(List<String> names) {
    Objects.requireNonNull(names, "names");
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String n = names.get(i);
      if (n == null || n.isBlank()) {
        throw new IllegalArgumentException("feature name at " + i + " must not be blank, was '" + n + "'");
      }
      if (!seen.add(n)) {
        throw new IllegalArgumentException("duplicate feature name '" + n + "' at " + i);
      }
    }
    return new FeatureSchema(List.copyOf(names));
  }

  /** A schema of the given feature names, in order. */
  public static FeatureSchema of(String... names) {
    return of(List.of(names));
  }

  public List<String> names() {
    return names;
  }

  public int size() {
    return names.size();
  }

  /** The column of {@code name}, or -1. */
  public int indexOf(String name) {
    Integer i = index.get(name);
    return i == null ? -1 : i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureSchema other && names.equals(other.names);
  }

  @Override
  public int hashCode() {
    return names.hashCode();
  }

  @Override
  public String toString() {
    return "FeatureSchema" + names;
  }
}
