package dev.shortlist.retrieval;

/** The setting checks the HNSW builders share; each returns the value it was given. */
final class HnswChecks {

  private HnswChecks() {}

  /**
   * Checks the setting {@code name}.
   *
   * @throws IllegalArgumentException unless {@code value} is in {@code [min, max]}
   */
  static int inRange(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          name + " must be in [" + min + ", " + max + "], was " + value);
    }
    return value;
  }

  /** HNSW's beam width while building (efConstruction): 1..3200. */
  static int beamWidth(int beam) {
    return inRange("beamWidth", beam, 1, 3_200);
  }

  /** The default search-time candidate-list size: 1..100000. */
  static int efSearch(int ef) {
    return inRange("efSearch", ef, 1, 100_000);
  }

  /** The largest k a search may ask for: 1..1000000. */
  static int maxK(int maxK) {
    return inRange("maxK", maxK, 1, 1_000_000);
  }
}
