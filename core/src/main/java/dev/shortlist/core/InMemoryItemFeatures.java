package dev.shortlist.core;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link ItemFeatureStore} held in memory, updated in real time: {@link #put} and {@link
 * #remove} are visible to the next lookup.
 *
 * <p>Thread-safe: each item's features are replaced as a whole.
 */
public final class InMemoryItemFeatures implements ItemFeatureStore {

  private final FeatureSchema schema;
  private final ConcurrentHashMap<Long, float[]> rows = new ConcurrentHashMap<>();

  private InMemoryItemFeatures(FeatureSchema schema) {
    this.schema = schema;
  }

  /** An empty store of the given features. */
  public static InMemoryItemFeatures create(FeatureSchema schema) {
    return new InMemoryItemFeatures(Objects.requireNonNull(schema, "schema"));
  }

  @Override
  public FeatureSchema schema() {
    return schema;
  }

  /**
   * Sets all features of {@code itemId} (copied); NaN marks one as unknown.
   *
   * @throws IllegalArgumentException if {@code values} has other than {@code schema().size()}
   *     values or an infinite one; the store is then unchanged
   */
  public void put(long itemId, float[] values) {
    if (values == null || values.length != schema.size()) {
      throw new IllegalArgumentException(
          "values for item " + itemId + " must have " + schema.size() + " features "
              + schema.names() + ", had " + (values == null ? "null" : values.length));
    }
    for (int j = 0; j < values.length; j++) {
      if (Float.isInfinite(values[j])) {
        throw new IllegalArgumentException(
            "feature '" + schema.names().get(j) + "' of item " + itemId + " is " + values[j]);
      }
    }
    rows.put(itemId, values.clone());
  }

  /** Forgets {@code itemId}; returns whether it was known. */
  public boolean remove(long itemId) {
    return rows.remove(itemId) != null;
  }

  public int size() {
    return rows.size();
  }

  @Override
  public void lookup(long[] ids, float[] out) {
    int width = schema.size();
    if (out.length != ids.length * width) {
      throw new IllegalArgumentException(
          "out has " + out.length + " floats, expected " + ids.length + " × " + width);
    }
    for (int i = 0; i < ids.length; i++) {
      float[] row = rows.get(ids[i]);
      if (row == null) {
        Arrays.fill(out, i * width, (i + 1) * width, Float.NaN);
      } else {
        System.arraycopy(row, 0, out, i * width, width);
      }
    }
  }
}
