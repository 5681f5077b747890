package dev.shortlist.bench.ann;

import java.util.SplittableRandom;

/**
 * Clustered Gaussian vectors, the usual synthetic stand-in for embeddings: {@code clusters}
 * centroids drawn from N(0, I/d) (so of about unit length), and each vector a random centroid
 * plus N(0, σ²I/d) noise with σ = {@value #NOISE}. Base vectors and queries come from the same
 * distribution but independent streams, so a query is near, not equal to, some base vectors.
 * For cosine, vectors are scaled to unit length (which changes no cosine).
 *
 * <p>Deterministic for a seed. Not thread-safe.
 */
final class ClusteredVectors {

  /** Noise relative to the centroids' spread: clusters overlap a little, as real ones do. */
  static final double NOISE = 0.8;

  private final int dimension;
  private final int clusters;
  private final float[] centroids;
  private final boolean unit;

  ClusteredVectors(int dimension, int clusters, boolean unit, long seed) {
    this.dimension = dimension;
    this.clusters = clusters;
    this.unit = unit;
    SplittableRandom rnd = new SplittableRandom(seed);
    double scale = 1 / Math.sqrt(dimension);
    centroids = new float[Math.multiplyExact(clusters, dimension)];
    for (int i = 0; i < centroids.length; i++) {
      centroids[i] = (float) (rnd.nextGaussian() * scale);
    }
  }

  /**
   * Fills {@code rows} vectors into {@code out} from {@code offset}, drawing from {@code rnd}.
   */
  void fill(SplittableRandom rnd, float[] out, int offset, int rows) {
    double noise = NOISE / Math.sqrt(dimension);
    for (int r = 0; r < rows; r++) {
      int c = rnd.nextInt(clusters) * dimension;
      int at = offset + r * dimension;
      double squares = 0;
      for (int d = 0; d < dimension; d++) {
        float v = (float) (centroids[c + d] + noise * rnd.nextGaussian());
        out[at + d] = v;
        squares += (double) v * v;
      }
      if (unit && squares > 0) {
        float inv = (float) (1 / Math.sqrt(squares));
        for (int d = 0; d < dimension; d++) {
          out[at + d] *= inv;
        }
      }
    }
  }
}
