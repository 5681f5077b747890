package dev.shortlist.core;

import java.util.Objects;

/**
 * A dense, row-major candidates × features matrix of {@code float}s, one row per candidate in
 * candidate order, one column per {@link FeatureSchema} name. NaN marks a missing value: tree
 * models send it down their default branch; models without missing-value handling refuse it.
 *
 * <p>Immutable by contract and thread-safe: {@link #array()} exposes the backing array so that
 * scorers can loop over it without a copy; nobody may write to it after construction.
 */
public final class FeatureMatrix {

  private final FeatureSchema schema;
  private final float[] values;
  private final int rows;

  private FeatureMatrix(FeatureSchema schema, float[] values, int rows) {
    this.schema = schema;
    this.values = values;
    this.rows = rows;
  }

  /**
   * Wraps {@code values} (taking ownership: the caller must not write to it afterwards).
   *
   * @throws IllegalArgumentException if the length is not {@code rows × schema.size()}, or a value
   *     is infinite (NaN is allowed: it means missing)
   */
  public static FeatureMatrix wrap(FeatureSchema schema, float[] values, int rows) {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(values, "values");
    if (rows < 0) {
      throw new IllegalArgumentException("rows must not be negative, was " + rows);
    }
    long expected = (long) rows * schema.size();
    if (values.length != expected) {
      throw new IllegalArgumentException(
          "values has " + values.length + " floats, expected rows × features = " + rows + " × "
              + schema.size() + " = " + expected);
    }
    int cols = schema.size();
    for (int i = 0; i < values.length; i++) {
      if (Float.isInfinite(values[i])) {
        throw new IllegalArgumentException(
            "feature '" + schema.names().get(i % cols) + "' of row " + (i / cols) + " is "
                + values[i]);
      }
    }
    return new FeatureMatrix(schema, values, rows);
  }

  public FeatureSchema schema() {
    return schema;
  }

  public int rows() {
    return rows;
  }

  public int columns() {
    return schema.size();
  }

  public float get(int row, int column) {
    Objects.checkIndex(row, rows);
    Objects.checkIndex(column, schema.size());
    return values[row * schema.size() + column];
  }

  /** The backing row-major array; read it, never write to it. */
  public float[] array() {
    return values;
  }

  FeatureMatrix selectRows(int[] keep) {
    int cols = schema.size();
    float[] out = new float[keep.length * cols];
    for (int i = 0; i < keep.length; i++) {
      System.arraycopy(values, keep[i] * cols, out, i * cols, cols);
    }
    return new FeatureMatrix(schema, out, keep.length);
  }
}
