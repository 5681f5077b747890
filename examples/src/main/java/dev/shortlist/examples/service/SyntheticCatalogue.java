package dev.shortlist.examples.service;

import java.util.Random;

/**
 * A small seeded catalogue for the examples: items around {@value #TOPICS} topic directions (item
 * {@code i} belongs to topic {@code i % TOPICS}), with a random {@code quality} and {@code
 * freshness} in [0, 1), and users {@code user-0 … user-(n-1)} whose embeddings lie near topic
 * {@code u % TOPICS}.
 *
 * <p>Stateless and thread-safe; the same seed gives the same catalogue.
 */
public final class SyntheticCatalogue {

  /** Number of topic directions. */
  public static final int TOPICS = 8;

  private SyntheticCatalogue() {}

  /**
   * Loads {@code items} items (ids 1 … items) and {@code users} user embeddings into {@code
   * service}.
   *
   * @throws IllegalArgumentException if {@code items} or {@code users} is negative
   */
  public static void load(RecommendationService service, int items, int users, long seed) {
    if (items < 0 || users < 0) {
      throw new IllegalArgumentException(
          "items and users must not be negative, were " + items + " and " + users);
    }
    int d = service.dimension();
    Random random = new Random(seed);
    float[][] topics = new float[TOPICS][];
    for (int t = 0; t < TOPICS; t++) {
      topics[t] = normal(random, d, null, 1f);
    }
    long[] ids = new long[items];
    float[] vectors = new float[items * d];
    float[] features = new float[items * 2];
    for (int i = 0; i < items; i++) {
      ids[i] = i + 1;
      System.arraycopy(normal(random, d, topics[(i + 1) % TOPICS], 0.35f), 0, vectors, i * d, d);
      features[2 * i] = random.nextFloat(); // quality
      features[2 * i + 1] = random.nextFloat(); // freshness
    }
    if (items > 0) {
      service.loadItems(ids, vectors, features);
    }
    for (int u = 0; u < users; u++) {
      service.loadUserEmbedding("user-" + u, normal(random, d, topics[u % TOPICS], 0.35f));
    }
  }

  /**
   * {@code centre} plus Gaussian noise of expected length {@code noise}, normalised ({@code
   * centre} null: zero).
   */
  private static float[] normal(Random random, int d, float[] centre, float noise) {
    float sigma = (float) (noise / Math.sqrt(d));
    float[] v = new float[d];
    double norm = 0;
    for (int j = 0; j < d; j++) {
      v[j] = (centre == null ? 0f : centre[j]) + sigma * (float) random.nextGaussian();
      norm += (double) v[j] * v[j];
    }
    float inv = (float) (1 / Math.sqrt(norm));
    for (int j = 0; j < d; j++) {
      v[j] *= inv;
    }
    return v;
  }
}
