package dev.shortlist.retrieval;

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
}
