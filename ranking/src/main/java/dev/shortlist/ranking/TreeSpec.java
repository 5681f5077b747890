package dev.shortlist.ranking;

/**
 * One decision tree as a loader reads it, in a form common to XGBoost and LightGBM: nodes {@code
 * 0..n-1}, node 0 the root; node {@code i} is a leaf when {@code left[i] < 0}.
 *
 * <p>At an internal node a row goes right when its value {@code x} of {@code feature[i]} is not
 * missing and {@code x >= threshold[i]} (as floats; the loaders convert each library's own rule
 * into this one exactly; a NaN threshold sends every value left), and to the right on a missing
 * value (NaN) when {@code nanRight[i]}.
 * When {@code zeroMissing[i]} (LightGBM's "zero as missing"), values in {@code [-1e-35, 1e-35]}
 * count as missing too. Leaves hold {@code leafValue[i]}.
 *
 * <p>Arrays are owned by the record and not copied: loaders build them once and hand them over.
 */
record TreeSpec(
    int[] left,
    int[] right,
    int[] feature,
    float[] threshold,
    boolean[] nanRight,
    boolean[] zeroMissing,
    double[] leafValue) {

  int nodes() {
    return left.length;
  }

  boolean isLeaf(int node) {
    return left[node] < 0;
  }
}
