package dev.shortlist.retrieval;

import java.util.Objects;

/**
 * Vector arithmetic for code around the indexes, such as cross features (user·item similarity)
 * computed while assembling features: the same kernels the indexes use, with SIMD when the JVM
 * runs with {@code --add-modules jdk.incubator.vector} and plain loops otherwise. Stateless and
 * thread-safe.
 */
public final class Vectors {

  private Vectors() {}

  /**
   * The dot product of {@code a[aOffset, aOffset + length)} and {@code b[bOffset, bOffset +
   * length)}, summed in float (the order of the additions depends on the kernel, so the last bits
   * may differ from a sequential loop's).
   *
   * @throws IndexOutOfBoundsException naming the array whose range does not fit
   */
  public static float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    if (length < 0 || aOffset < 0 || aOffset > a.length - length) {
      throw new IndexOutOfBoundsException("a: range [" + aOffset + ", " + aOffset + " + " + length
          + ") is outside an array of " + a.length);
    }
    if (bOffset < 0 || bOffset > b.length - length) {
      throw new IndexOutOfBoundsException("b: range [" + bOffset + ", " + bOffset + " + " + length
          + ") is outside an array of " + b.length);
    }
    return VectorMathProvider.INSTANCE.dot(a, aOffset, b, bOffset, length);
  }
}
