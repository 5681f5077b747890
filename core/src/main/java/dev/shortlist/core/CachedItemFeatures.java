package dev.shortlist.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded Caffeine cache in front of a slower {@link ItemFeatureStore} (a remote feature
 * service, a database): a lookup serves what it holds and fetches all the missing items from the
 * store in one batch. Cache metrics go to Micrometer under {@code cache=<name>}.
 *
 * <p>Call {@link #invalidate(long)} when an item's features change, so the next lookup fetches
 * them; a lookup in flight across the invalidate does not cache what it read of that item (nor,
 * when more than a thousand invalidations overlap it, of any item). Thread-safe.
 */
public final class CachedItemFeatures implements ItemFeatureStore {

  private final ItemFeatureStore store;
  private final Cache<Long, float[]> cache;
  /** Number of invalidate() calls begun; lookups in flight across one do not cache its item. */
  private final AtomicLong invalidations = new AtomicLong();
  /**
   * The ids of the last {@value #RECENT} invalidations: invalidation number {@code seq} writes
   * its id to slot {@code seq % RECENT}, between marking the slot's stamp -1 and setting it to
   * {@code seq} (so a reader that sees the same stamp before and after reading the id has it).
   */
  private final AtomicLongArray recentIds = new AtomicLongArray(RECENT);
  private final AtomicLongArray recentStamps = new AtomicLongArray(RECENT);

  private static final int RECENT = 1024;

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
    // One cache probe per id, rows copied straight into place; the misses go to the store in one
    // batch (duplicates included: rarer than the cost of removing them).
    int[] missing = new int[ids.length];
    int misses = 0;
    for (int i = 0; i < ids.length; i++) {
      float[] row = cache.getIfPresent(ids[i]);
      if (row == null) {
        missing[misses++] = i;
      } else {
        System.arraycopy(row, 0, out, i * width, width);
      }
    }
    if (misses == 0) {
      return;
    }
    long[] fetch = new long[misses];
    for (int m = 0; m < misses; m++) {
      fetch[m] = ids[missing[m]];
    }
    // Read the invalidation count before the store: a value fetched before an update but stored
    // after its invalidate() would otherwise stay cached, stale, until it expires.
    long seen = invalidations.get();
    float[] values = new float[misses * width];
    store.lookup(fetch, values);
    for (int m = 0; m < misses; m++) {
      System.arraycopy(values, m * width, out, missing[m] * width, width);
      cache.put(fetch[m], Arrays.copyOfRange(values, m * width, (m + 1) * width));
    }
    // An invalidate() that began since the read may have run before the puts: drop what was put
    // of its item (of every fetched item when its id is no longer, or not yet, known). One that
    // begins after this check removes the entry itself (its removal follows its count).
    long now = invalidations.get();
    if (now != seen) {
      long[] changed = invalidatedBetween(seen, now);
      for (long id : fetch) {
        if (changed == null || Arrays.binarySearch(changed, id) >= 0) {
          cache.invalidate(id);
        }
      }
    }
  }

  /**
   * The ids of invalidations {@code seen + 1 .. now}, sorted; null when one of them has left the
   * ring or not yet written its id.
   */
  private long[] invalidatedBetween(long seen, long now) {
    if (now - seen > RECENT) {
      return null;
    }
    long[] ids = new long[(int) (now - seen)];
    for (long seq = seen + 1; seq <= now; seq++) {
      int slot = (int) (seq & (RECENT - 1));
      long before = recentStamps.get(slot);
      long id = recentIds.get(slot);
      if (before != seq || recentStamps.get(slot) != seq) {
        return null;
      }
      ids[(int) (seq - seen - 1)] = id;
    }
    Arrays.sort(ids);
    return ids;
  }

  /** Drops {@code itemId} from the cache; the next lookup fetches it from the store. */
  public void invalidate(long itemId) {
    long seq = invalidations.incrementAndGet();
    int slot = (int) (seq & (RECENT - 1));
    recentStamps.set(slot, -1);
    recentIds.set(slot, itemId);
    recentStamps.set(slot, seq);
    cache.invalidate(itemId);
  }
}
