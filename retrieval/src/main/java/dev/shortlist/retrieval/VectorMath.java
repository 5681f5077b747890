package dev.shortlist.retrieval;

/**
 * The float kernels every brute-force scan runs: dot products and squared Euclidean distances
 * over slices of {@code float[]}. {@link #get()} picks the implementation once per JVM: the Vector
 * API (SIMD) when {@code jdk.incubator.vector} is in the boot layer, scalar loops otherwise.
 *
 * <p>Implementations are stateless and thread-safe. Callers check bounds; results for the same
 * inputs may differ between implementations in the last bits (summation order).
 */
interface VectorMath {

  /** {@code sum(a[aOff + i] * b[bOff + i])} for {@code i} in {@code [0, len)}. */
  float dot(float[] a, int aOff, float[] b, int bOff, int len);

  /** {@code sum((a[aOff + i] - b[bOff + i])^2)} for {@code i} in {@code [0, len)}. */
  float squareDistance(float[] a, int aOff, float[] b, int bOff, int len);

  /**
   * The score of {@code v[vOff, vOff + len)} for query {@code q} under {@code metric}, as {@link
   * Metric} defines it (cosine on vectors normalised on the way in, so a dot product; L2 negated).
   */
  default float similarity(Metric metric, float[] q, float[] v, int vOff, int len) {
    return switch (metric) {
      case COSINE, DOT -> dot(q, 0, v, vOff, len);
      case L2 -> -squareDistance(q, 0, v, vOff, len);
    };
  }

  /** A short human-readable name, e.g. {@code "scalar"}. */
  String description();

  /** The implementation this JVM uses. */
  static VectorMath get() {
    return VectorMathProvider.INSTANCE;
  }
}
