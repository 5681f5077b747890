package dev.shortlist.bench.jmh;

import java.util.Random;

/**
 * Seeded vectors shaped like real embeddings, for the benchmarks: a mixture of Gaussian clusters
 * in a {@value #LATENT}-dimensional latent space, projected linearly to {@code dim} dimensions,
 * plus a little isotropic noise. Real embeddings have a low intrinsic dimension; isotropic
 * Gaussian noise in all {@code dim} dimensions would be far harder for an ANN index than real
 * data, and uniform data far easier to cluster than real data.
 *
 * <p>The mixture (projection and centroids) is fixed by the seed given at construction; each call
 * draws fresh points from it with the caller's {@link Random}, so corpus, queries and live
 * updates come from one distribution. Immutable and thread-safe (the {@code Random}s are the
 * callers').
 */
final class ClusteredVectors {

  /** Latent (intrinsic) dimension. */
  static final int LATENT = 16;
  /** Mixture components. */
  static final int CLUSTERS = 100;
  /** Standard deviation of the centroids, per latent component (within a cluster it is 1). */
  private static final double CENTROID_SPREAD = 2.0;
  /** Standard deviation of the isotropic noise added in the full space. */
  private static final double NOISE = 0.5;

  private final int dim;
  private final float[][] projection; // [LATENT][dim]
  private final float[][] centroids; // [CLUSTERS][LATENT]

  /** The mixture for {@code dim}-dimensional vectors fixed by {@code seed}. */
  ClusteredVectors(int dim, long seed) {
    if (dim < 1) {
      throw new IllegalArgumentException("dim must be positive, was " + dim);
    }
    this.dim = dim;
    Random rnd = new Random(seed);
    projection = new float[LATENT][dim];
    for (float[] row : projection) {
      for (int d = 0; d < dim; d++) {
        row[d] = (float) rnd.nextGaussian();
      }
    }
    centroids = new float[CLUSTERS][LATENT];
    for (float[] c : centroids) {
      for (int l = 0; l < LATENT; l++) {
        c[l] = (float) (CENTROID_SPREAD * rnd.nextGaussian());
      }
    }
  }

  int dim() {
    return dim;
  }

  /** Writes one fresh point into {@code out[offset .. offset + dim)}. */
  void next(Random rnd, float[] out, int offset) {
    float[] c = centroids[rnd.nextInt(CLUSTERS)];
    float[] z = new float[LATENT];
    for (int l = 0; l < LATENT; l++) {
      z[l] = c[l] + (float) rnd.nextGaussian();
    }
    for (int d = 0; d < dim; d++) {
      float x = (float) (NOISE * rnd.nextGaussian());
      for (int l = 0; l < LATENT; l++) {
        x += z[l] * projection[l][d];
      }
      out[offset + d] = x;
    }
  }

  /** {@code n} fresh points, row after row ({@code n × dim} floats). */
  float[] flat(Random rnd, int n) {
    float[] out = new float[Math.multiplyExact(n, dim)];
    for (int i = 0; i < n; i++) {
      next(rnd, out, i * dim);
    }
    return out;
  }

  /** {@code n} fresh points, one array each. */
  float[][] rows(Random rnd, int n) {
    float[][] out = new float[n][dim];
    for (float[] row : out) {
      next(rnd, row, 0);
    }
    return out;
  }

  /** Row {@code i} of a flat array, copied. */
  static float[] row(float[] flat, int i, int dim) {
    float[] v = new float[dim];
    System.arraycopy(flat, i * dim, v, 0, dim);
    return v;
  }

  /** A copy of {@code v} scaled to unit length. */
  static float[] unit(float[] v) {
    double squares = 0;
    for (float x : v) {
      squares += (double) x * x;
    }
    double inverse = 1 / Math.sqrt(squares);
    float[] u = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      u[i] = (float) (v[i] * inverse);
    }
    return u;
  }
}
