package dev.shortlist.retrieval;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable {@code rows × dimension} matrix of floats stored row after row in one array: a set
 * of vectors, as read from or written to a vector file by {@link VectorFiles}.
 *
 * <p>At most {@code Integer.MAX_VALUE - 8} values in total; larger files are read row by row with
 * {@link VectorFiles#open}. Immutable and thread-safe: accessors that return arrays return copies.
 */
public final class FloatMatrix {

  static final int MAX_VALUES = Integer.MAX_VALUE - 8;

  private final float[] data;
  private final int rows;
  private final int dimension;

  private FloatMatrix(float[] data, int rows, int dimension) {
    this.data = data;
    this.rows = rows;
    this.dimension = dimension;
  }

  /**
   * The matrix whose rows are consecutive runs of {@code dimension} values of {@code values}
   * (copied).
   *
   * @throws IllegalArgumentException if {@code dimension < 1}, or {@code values.length} is not a
   *     multiple of {@code dimension}
   */
  public static FloatMatrix of(float[] values, int dimension) {
    Objects.requireNonNull(values, "values");
    return wrap(values.clone(), shape(values.length, dimension), dimension);
  }

  /** Takes ownership of {@code values}; for readers that filled a fresh array. */
  static FloatMatrix wrap(float[] values, int rows, int dimension) {
    assert (long) rows * dimension == values.length;
    return new FloatMatrix(values, rows, dimension);
  }

  /** Rows for {@code length} values of {@code dimension} columns, checking the pair. */
  static int shape(int length, int dimension) {
    if (dimension < 1) {
      throw new IllegalArgumentException("dimension must be positive, was " + dimension);
    }
    if (length % dimension != 0) {
      throw new IllegalArgumentException(
          "values.length must be a multiple of dimension " + dimension + ", was " + length);
    }
    return length / dimension;
  }

  /** Number of rows (vectors). */
  public int rows() {
    return rows;
  }

  /** Number of columns (components per vector); 0 only for an empty matrix read from an empty file. */
  public int dimension() {
    return dimension;
  }

  /** The value at ({@code row}, {@code column}). */
  public float get(int row, int column) {
    Objects.checkIndex(row, rows);
    Objects.checkIndex(column, dimension);
    return data[row * dimension + column];
  }

  /** Row {@code row}, as a new array of {@link #dimension()} values. */
  public float[] row(int row) {
    Objects.checkIndex(row, rows);
    return Arrays.copyOfRange(data, row * dimension, (row + 1) * dimension);
  }

  /** Copies row {@code row} into {@code dst} at {@code offset}. */
  public void copyRow(int row, float[] dst, int offset) {
    Objects.checkIndex(row, rows);
    System.arraycopy(data, row * dimension, dst, offset, dimension);
  }

  /** All values, row after row, as a new array of {@code rows() * dimension()} values. */
  public float[] toArray() {
    return data.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FloatMatrix m
        && m.rows == rows
        && m.dimension == dimension
        && Arrays.equals(m.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * rows + dimension) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "FloatMatrix[" + rows + " × " + dimension + "]";
  }
}
