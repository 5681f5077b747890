package dev.shortlist.bench.workload;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws ranks {@code 0..n-1} with probability proportional to {@code (rank + 1)^-exponent}, by
 * binary search over the cumulative distribution (O(log n) per draw, n doubles of memory).
 *
 * <p>Immutable and thread-safe; callers bring their own random source.
 */
public final class ZipfSampler {

  private final double[] cumulative;

  /**
   * @throws IllegalArgumentException if {@code n} is not positive or {@code exponent} negative
   */
  public ZipfSampler(int n, double exponent) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be positive, was " + n);
    }
    if (!(exponent >= 0) || Double.isInfinite(exponent)) {
      throw new IllegalArgumentException("exponent must be finite and >= 0, was " + exponent);
    }
    cumulative = new double[n];
    double sum = 0;
    for (int r = 0; r < n; r++) {
      sum += Math.pow(r + 1, -exponent);
      cumulative[r] = sum;
    }
    for (int r = 0; r < n; r++) {
      cumulative[r] /= sum;
    }
  }

  /** How many ranks there are. */
  public int size() {
    return cumulative.length;
  }

  /** The probability of rank {@code r}. */
  public double probability(int r) {
    return r == 0 ? cumulative[0] : cumulative[r] - cumulative[r - 1];
  }

  /** One rank. */
  public int sample(SplittableRandom rnd) {
    double u = rnd.nextDouble();
    int i = Arrays.binarySearch(cumulative, u);
    i = i >= 0 ? i : -i - 1;
    return Math.min(i, cumulative.length - 1);
  }
}
