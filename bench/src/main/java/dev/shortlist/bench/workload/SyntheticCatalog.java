package dev.shortlist.bench.workload;

import dev.shortlist.retrieval.Vectors;
import java.util.Random;

/**
 * A synthetic catalogue for demos and benchmarks: items with clustered unit-length embeddings
 * (each item near one of {@code clusters} random centroids) and a Zipf-distributed popularity,
 * plus users whose embeddings mix one to three favourite clusters.
 *
 * <p>Deterministic for a seed. Immutable after construction and thread-safe to read.
 */
public final class SyntheticCatalog {

  private final int items;
  private final int dim;
  private final int clusters;
  private final float[] centroids;
  private final float[] vectors;
  private final int[] clusterOf;
  private final int[][] itemsByCluster;
  private final float[] popularity;
  private final long seed;

  /**
   * Builds the catalogue.
   *
   * @param items number of items (ids 0..items-1)
   * @param dim embedding dimension
   * @param clusters number of clusters
   * @param zipfExponent popularity of the item of rank r is proportional to r^-zipfExponent
   * @param seed random seed
   * @param progress called with the number of items built so far, every few thousand
   */
  public SyntheticCatalog(
      int items, int dim, int clusters, double zipfExponent, long seed,
      java.util.function.IntConsumer progress) {
    if (items < 1) {
      throw new IllegalArgumentException("items must be positive, was " + items);
    }
    if (dim < 2) {
      throw new IllegalArgumentException("dim must be at least 2, was " + dim);
    }
    if (clusters < 1 || clusters > items) {
      throw new IllegalArgumentException("clusters must be in [1, items], was " + clusters);
    }
    this.items = items;
    this.dim = dim;
    this.clusters = clusters;
    this.seed = seed;
    Random rnd = new Random(seed);
    centroids = new float[clusters * dim];
    for (int c = 0; c < clusters; c++) {
      gaussianUnit(rnd, centroids, c * dim, dim);
    }
    vectors = new float[items * dim];
    clusterOf = new int[items];
    int[] counts = new int[clusters];
    float noise = (float) (0.8 / Math.sqrt(dim));
    for (int i = 0; i < items; i++) {
      int c = rnd.nextInt(clusters);
      clusterOf[i] = c;
      counts[c]++;
      int at = i * dim;
      for (int d = 0; d < dim; d++) {
        vectors[at + d] = centroids[c * dim + d] + noise * (float) rnd.nextGaussian();
      }
      normalize(vectors, at, dim);
      if ((i & 4095) == 4095) {
        progress.accept(i + 1);
      }
    }
    progress.accept(items);
    itemsByCluster = new int[clusters][];
    for (int c = 0; c < clusters; c++) {
      itemsByCluster[c] = new int[counts[c]];
      counts[c] = 0;
    }
    for (int i = 0; i < items; i++) {
      int c = clusterOf[i];
      itemsByCluster[c][counts[c]++] = i;
    }
    // Zipf popularity over a random permutation of the items.
    int[] rankOf = new int[items];
    for (int i = 0; i < items; i++) {
      rankOf[i] = i;
    }
    for (int i = items - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = rankOf[i];
      rankOf[i] = rankOf[j];
      rankOf[j] = t;
    }
    popularity = new float[items];
    for (int i = 0; i < items; i++) {
      popularity[i] = (float) Math.pow(rankOf[i] + 1, -zipfExponent);
    }
  }

  public int items() {
    return items;
  }

  public int dim() {
    return dim;
  }

  public int clusters() {
    return clusters;
  }

  /** A copy of item {@code i}'s unit-length embedding. */
  public float[] vector(int i) {
    float[] v = new float[dim];
    System.arraycopy(vectors, i * dim, v, 0, dim);
    return v;
  }

  /** The dot product of {@code query} with item {@code i}'s embedding. */
  public float dot(float[] query, int i) {
    return Vectors.dot(query, 0, vectors, i * dim, dim);
  }

  /** The dot product of items {@code a} and {@code b}'s embeddings (their cosine). */
  public float similarity(int a, int b) {
    return Vectors.dot(vectors, a * dim, vectors, b * dim, dim);
  }

  public int clusterOf(int i) {
    return clusterOf[i];
  }

  /** Popularity in (0, 1]; the most popular item has 1. */
  public float popularity(int i) {
    return popularity[i];
  }

  /** The {@code n} most popular item ids, most popular first. */
  public int[] mostPopular(int n) {
    return java.util.stream.IntStream.range(0, items)
        .boxed()
        .sorted((a, b) -> Float.compare(popularity[b], popularity[a]))
        .limit(n)
        .mapToInt(Integer::intValue)
        .toArray();
  }

  /**
   * A simulated user: an embedding mixing one to three favourite clusters, and a history of
   * {@code historySize} items drawn from those clusters.
   */
  public User user(int userIndex, int historySize) {
    Random rnd = new Random(seed * 31 + userIndex);
    int favourites = 1 + rnd.nextInt(3);
    int[] favs = new int[favourites];
    float[] e = new float[dim];
    for (int f = 0; f < favourites; f++) {
      favs[f] = rnd.nextInt(clusters);
      for (int d = 0; d < dim; d++) {
        e[d] += centroids[favs[f] * dim + d];
      }
    }
    for (int d = 0; d < dim; d++) {
      e[d] += (float) (0.3 / Math.sqrt(dim) * rnd.nextGaussian());
    }
    normalize(e, 0, dim);
    long[] history = new long[historySize];
    for (int h = 0; h < historySize; h++) {
      int[] pool = itemsByCluster[favs[rnd.nextInt(favourites)]];
      history[h] = pool.length == 0 ? rnd.nextInt(items) : pool[rnd.nextInt(pool.length)];
    }
    return new User("user-" + userIndex, e, history);
  }

  /** A simulated user. */
  public record User(String id, float[] embedding, long[] history) {}

  private static void gaussianUnit(Random rnd, float[] a, int at, int dim) {
    for (int d = 0; d < dim; d++) {
      a[at + d] = (float) rnd.nextGaussian();
    }
    normalize(a, at, dim);
  }

  private static void normalize(float[] a, int at, int dim) {
    double n = 0;
    for (int d = 0; d < dim; d++) {
      n += (double) a[at + d] * a[at + d];
    }
    float inv = (float) (1 / Math.sqrt(n));
    for (int d = 0; d < dim; d++) {
      a[at + d] *= inv;
    }
  }
}
