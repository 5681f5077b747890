package dev.shortlist.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * A bounded Caffeine cache in front of a slower {@link ItemFeatureStore} (a remote feature
 * service, a database): a lookup serves what it holds and fetches all the missing items from the
 * store in one batch. Cache metrics go to Micrometer under {@code cache=<name>}.
 *
 * <p>Call {@link #invalidate(long)} when an item's features change, so the next lookup fetches
 * them. Thread-safe.
 */
public final class CachedItemFeatures implements ItemFeatureStore {

  private final ItemFeatureStore store;
  private final Cache<Long, float[]> cache;

  private CachedItemFeatures(ItemFeatureStore store, Cache<Long, float[]> cache) {
    this.store = store;
    this.cache = cache;
  }

  /**
   * Caches up to {@code maxItems} items of {@code store} for {@code ttl} each.
   *
   * @param name the cache's name in metrics
   * @throws IllegalArgumentException if {@code maxItems} or {@code ttl} is not positive
   */
  public static CachedItemFeatures over(
      ItemFeatureStore store, long maxItems, Duration ttl, String name, MeterRegistry registry) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(registry, "registry");
    if (maxItems <= 0) {
      throw new IllegalArgumentException("maxItems must be positive, was " + maxItems);
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, was " + ttl);
    }
    Cache<Long, float[]> cache =
        Caffeine.newBuilder().maximumSize(maxItems).expireAfterWrite(ttl).recordStats().build();
    CaffeineCacheMetrics.monitor(registry, cache, name);
    return new CachedItemFeatures(store, cache);
  }

  @Override
  public FeatureSchema schema() {
    return store.schema();
  }

  @Override
  public void lookup(long[] ids, float[] out) throws Exception {
    int width = schema().size();
    if (out.length != ids.length * width) {
      throw new IllegalArgumentException(
          "out has " + out.length + " floats, expected " + ids.length + " × " + width);
    }
    Map<Long, float[]> found;
    try {
      found =
          cache.getAll(
              Arrays.stream(ids).boxed().toList(),
              missing -> {
                long[] fetch = missing.stream().mapToLong(Long::longValue).toArray();
                float[] values = new float[fetch.length * width];
                try {
                  store.lookup(fetch, values);
                } catch (Exception e) {
                  throw new FetchFailed(e);
                }
                Map<Long, float[]> loaded = new java.util.HashMap<>();
                for (int i = 0; i < fetch.length; i++) {
                  loaded.put(fetch[i], Arrays.copyOfRange(values, i * width, (i + 1) * width));
                }
                return loaded;
              });
    } catch (FetchFailed e) {
      throw (Exception) e.getCause();
    }
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(found.get(ids[i]), 0, out, i * width, width);
    }
  }

  /** Drops {@code itemId} from the cache; the next lookup fetches it from the store. */
  public void invalidate(long itemId) {
    cache.invalidate(itemId);
  }

  /** Carries a store's checked exception out of the cache's loader. */
  private static final class FetchFailed extends RuntimeException {
    FetchFailed(Exception cause) {
      super(cause);
    }
  }
}
