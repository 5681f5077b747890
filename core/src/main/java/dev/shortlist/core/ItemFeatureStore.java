package dev.shortlist.core;

/**
 * Per-item features (popularity, age, price, ...) looked up in batches: one call per request for
 * all its candidates, not one per candidate.
 *
 * <p>Contract: {@link #lookup} writes, for each id in order, {@link #schema()}{@code .size()}
 * values, row-major, into {@code out}; NaN for an unknown item or feature. Implementations must
 * be thread-safe; {@link InMemoryItemFeatures} and {@link CachedItemFeatures} are.
 */
public interface ItemFeatureStore {

  /** The features this store holds, in the order {@link #lookup} writes them. */
  FeatureSchema schema();

  /**
   * Writes the features of {@code ids} into {@code out} ({@code ids.length × schema().size()}).
   *
   * @throws IllegalArgumentException if {@code out} has the wrong length
   */
  void lookup(long[] ids, float[] out) throws Exception;
}
