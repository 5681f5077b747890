package dev.shortlist.retrieval;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD kernels on the incubating Vector API, using the platform's preferred vector width.
 *
 * <p>Only {@link VectorMathProvider} may touch this class, and only after checking that
 * {@code jdk.incubator.vector} is in the boot layer: loading it without the module fails.
 */
final class PanamaVectorMath implements VectorMath {

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  private PanamaVectorMath() {}

  /**
   * The SIMD kernels.
   *
   * @throws UnsupportedOperationException if the preferred vectors are narrower than 128 bits,
   *     where the scalar loops are as fast
   */
  static VectorMath create() {
    if (SPECIES.vectorBitSize() < 128) {
      throw new UnsupportedOperationException(
          "preferred vector size is " + SPECIES.vectorBitSize() + " bits, less than 128");
    }
    return new PanamaVectorMath();
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int len) {
    int i = 0;
    float sum = 0;
    if (len >= 2 * LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (int bound = len - 4 * LANES; i <= bound; i += 4 * LANES) {
        acc0 = mulAdd(a, aOff + i, b, bOff + i, acc0);
        acc1 = mulAdd(a, aOff + i + LANES, b, bOff + i + LANES, acc1);
        acc2 = mulAdd(a, aOff + i + 2 * LANES, b, bOff + i + 2 * LANES, acc2);
        acc3 = mulAdd(a, aOff + i + 3 * LANES, b, bOff + i + 3 * LANES, acc3);
      }
      for (int bound = len - LANES; i <= bound; i += LANES) {
        acc0 = mulAdd(a, aOff + i, b, bOff + i, acc0);
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < len; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  @Override
  public float squareDistance(float[] a, int aOff, float[] b, int bOff, int len) {
    int i = 0;
    float sum = 0;
    if (len >= 2 * LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (int bound = len - 4 * LANES; i <= bound; i += 4 * LANES) {
        acc0 = diffSquareAdd(a, aOff + i, b, bOff + i, acc0);
        acc1 = diffSquareAdd(a, aOff + i + LANES, b, bOff + i + LANES, acc1);
        acc2 = diffSquareAdd(a, aOff + i + 2 * LANES, b, bOff + i + 2 * LANES, acc2);
        acc3 = diffSquareAdd(a, aOff + i + 3 * LANES, b, bOff + i + 3 * LANES, acc3);
      }
      for (int bound = len - LANES; i <= bound; i += LANES) {
        acc0 = diffSquareAdd(a, aOff + i, b, bOff + i, acc0);
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < len; i++) {
      float d = a[aOff + i] - b[bOff + i];
      sum += d * d;
    }
    return sum;
  }

  private static FloatVector mulAdd(float[] a, int ai, float[] b, int bi, FloatVector acc) {
    FloatVector va = FloatVector.fromArray(SPECIES, a, ai);
    FloatVector vb = FloatVector.fromArray(SPECIES, b, bi);
    return va.mul(vb).add(acc);
  }

  private static FloatVector diffSquareAdd(
      float[] a, int ai, float[] b, int bi, FloatVector acc) {
    FloatVector d = FloatVector.fromArray(SPECIES, a, ai).sub(FloatVector.fromArray(SPECIES, b, bi));
    return d.mul(d).add(acc);
  }

  @Override
  public String description() {
    return "Panama Vector API (" + SPECIES.vectorBitSize() + "-bit)";
  }

  @Override
  public String toString() {
    return description();
  }
}
