package dev.shortlist.retrieval;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable {@code rows × dimension} matrix of 32-bit ints stored row after row in one array:
 * typically ground-truth neighbour ids (one row of ids per query), as read from or written to an
 * {@code .ivecs} or {@code .npy} file by {@link VectorFiles}.
 *
 * <p>At most {@code Integer.MAX_VALUE - 8} values in total. Immutable and thread-safe: accessors
 * that return arrays return copies.
 */
public final class IntMatrix {

  private final int[] data;
  private final int rows;
  private final int dimension;

  private IntMatrix(int[] data, int rows, int dimension) {
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
  public static IntMatrix of(int[] values, int dimension) {
    Objects.requireNonNull(values, "values");
    return wrap(values.clone(), FloatMatrix.shape(values.length, dimension), dimension);
  }

  /** Takes ownership of {@code values}; for readers that filled a fresh array. */
  static IntMatrix wrap(int[] values, int rows, int dimension) {
    assert (long) rows * dimension == values.length;
    return new IntMatrix(values, rows, dimension);
  }

  /** Number of rows. */
  public int rows() {
    return rows;
  }

  /** Number of columns; 0 only for an empty matrix read from an empty file. */
  public int dimension() {
    return dimension;
  }

  /** The value at ({@code row}, {@code column}). */
  public int get(int row, int column) {
    Objects.checkIndex(row, rows);
    Objects.checkIndex(column, dimension);
    return data[row * dimension + column];
  }

  /** Row {@code row}, as a new array of {@link #dimension()} values. */
  public int[] row(int row) {
    Objects.checkIndex(row, rows);
    return Arrays.copyOfRange(data, row * dimension, (row + 1) * dimension);
  }

  /** All values, row after row, as a new array of {@code rows() * dimension()} values. */
  public int[] toArray() {
    return data.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IntMatrix m
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
    return "IntMatrix[" + rows + " × " + dimension + "]";
  }
}
