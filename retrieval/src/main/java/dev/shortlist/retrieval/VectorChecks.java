package dev.shortlist.retrieval;

import java.util.Objects;

/** Validation shared by every index: the checks of the {@link VectorIndex} contract. */
final class VectorChecks {

  private VectorChecks() {}

  /**
   * Checks {@code v} against the contract and returns the vector to store or search with: a copy
   * (normalised for cosine), never the caller's array.
   *
   * @param dimension the index's dimension
   * @param metric the index's metric (cosine vectors are normalised)
   * @param what names the vector in messages, e.g. {@code "vector for id 7"}
   * @param param the parameter name, for a null
   */
  static float[] prepare(float[] v, int dimension, Metric metric, String what, String param) {
    if (v == null) {
      throw new IllegalArgumentException(param + " must not be null (" + what + ")");
    }
    if (v.length != dimension) {
      throw new IllegalArgumentException(
          "dimension mismatch: index has " + dimension + ", " + what + " has " + v.length);
    }
    double squares = 0;
    for (int i = 0; i < v.length; i++) {
      float x = v[i];
      if (!Float.isFinite(x)) {
        throw new IllegalArgumentException(
            what + " has a non-finite component: [" + i + "] = " + x);
      }
      squares += (double) x * x;
    }
    if (metric != Metric.COSINE) {
      return v.clone();
    }
    if (squares == 0) {
      throw new IllegalArgumentException(what + " is all zeros, which has no cosine");
    }
    double inverseNorm = 1 / Math.sqrt(squares);
    float[] unit = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      unit[i] = (float) (v[i] * inverseNorm);
    }
    return unit;
  }

  /**
   * Checks every row of a bulk write ({@code ids.length} rows of {@code dimension} floats in
   * {@code flatVectors}) before anything is written, and returns the rows to store.
   *
   * @throws IllegalArgumentException naming the length mismatch or the first malformed row's id
   */
  static float[][] prepareRows(long[] ids, float[] flatVectors, int dimension, Metric metric) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(flatVectors, "flatVectors");
    if ((long) ids.length * dimension != flatVectors.length) {
      throw new IllegalArgumentException(
          "flatVectors has " + flatVectors.length + " floats, expected ids.length × dimension = "
              + ids.length + " × " + dimension);
    }
    float[][] rows = new float[ids.length][];
    float[] row = new float[dimension];
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(flatVectors, i * dimension, row, 0, dimension);
      rows[i] = prepare(row, dimension, metric, "vector for id " + ids[i], "flatVectors");
    }
    return rows;
  }
}
