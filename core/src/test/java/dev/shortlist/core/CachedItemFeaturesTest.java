package dev.shortlist.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CachedItemFeaturesTest {

  private static final FeatureSchema SCHEMA = FeatureSchema.of("quality");

  @Test
  void lookup_afterInvalidate_fetchesTheNewValue() throws Exception {
    InMemoryItemFeatures store = InMemoryItemFeatures.create(SCHEMA);
    store.put(7, new float[] {1f});
    CachedItemFeatures cached =
        CachedItemFeatures.over(store, 100, Duration.ofMinutes(10), "f", new SimpleMeterRegistry());
    float[] out = new float[1];
    cached.lookup(new long[] {7}, out);
    assertThat(out[0]).isEqualTo(1f);

    store.put(7, new float[] {2f});
    cached.lookup(new long[] {7}, out);
    assertThat(out[0]).as("served from the cache until invalidated").isEqualTo(1f);
    cached.invalidate(7);
    cached.lookup(new long[] {7}, out);
    assertThat(out[0]).isEqualTo(2f);
  }

  /**
   * Regression: a lookup that read the store before an update, and finished after the update's
   * invalidate, must not leave the old value in the cache.
   */
  @Test
  void lookup_inFlightAcrossAnInvalidate_neverCachesTheOldValue() throws Exception {
    InMemoryItemFeatures store = InMemoryItemFeatures.create(SCHEMA);
    store.put(7, new float[] {1f});
    CountDownLatch read = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ItemFeatureStore slow =
        new ItemFeatureStore() {
          @Override
          public FeatureSchema schema() {
            return SCHEMA;
          }

          @Override
          public void lookup(long[] ids, float[] out) throws Exception {
            store.lookup(ids, out);
            read.countDown();
            release.await(10, TimeUnit.SECONDS);
          }
        };
    CachedItemFeatures cached =
        CachedItemFeatures.over(slow, 100, Duration.ofMinutes(10), "f", new SimpleMeterRegistry());
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Float> inFlight =
          pool.submit(() -> {
            float[] out = new float[1];
            cached.lookup(new long[] {7}, out);
            return out[0];
          });
      assertThat(read.await(10, TimeUnit.SECONDS)).isTrue();
      store.put(7, new float[] {2f});
      cached.invalidate(7);
      release.countDown();
      assertThat(inFlight.get(10, TimeUnit.SECONDS)).as("the in-flight lookup read before the update").isEqualTo(1f);

      float[] out = new float[1];
      cached.lookup(new long[] {7}, out);
      assertThat(out[0]).as("the lookup after the invalidate").isEqualTo(2f);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Invalidations of other items during a lookup (a stream of catalogue updates) leave what the
   * lookup fetched cached; only the invalidated item is dropped.
   */
  @Test
  void lookup_inFlightAcrossInvalidatesOfOtherItems_keepsTheFetchedItemsCached() throws Exception {
    InMemoryItemFeatures store = InMemoryItemFeatures.create(SCHEMA);
    for (long id = 0; id < 10; id++) {
      store.put(id, new float[] {id});
    }
    CachedItemFeatures[] cached = new CachedItemFeatures[1];
    int[] fetched = new int[1];
    // Updates land while the batch is in flight: items 3 and 100 (not fetched) change.
    ItemFeatureStore invalidating = counting(store, fetched, () -> {
      cached[0].invalidate(3);
      cached[0].invalidate(100);
    });
    cached[0] =
        CachedItemFeatures.over(invalidating, 100, Duration.ofMinutes(10), "f", new SimpleMeterRegistry());
    long[] ids = {1, 2, 3, 4};
    float[] out = new float[4];
    cached[0].lookup(ids, out);
    assertThat(out).containsExactly(1f, 2f, 3f, 4f);
    assertThat(fetched[0]).isEqualTo(4);

    cached[0].lookup(new long[] {1, 2, 4}, new float[3]);
    assertThat(fetched[0]).as("items 1, 2 and 4 stayed cached").isEqualTo(4);
    cached[0].lookup(new long[] {3}, new float[1]);
    assertThat(fetched[0]).as("item 3, invalidated during the lookup, is fetched again").isEqualTo(5);
  }

  /** More overlapping invalidations than the ring remembers: nothing fetched is cached. */
  @Test
  void lookup_inFlightAcrossThousandsOfInvalidates_cachesNothingItFetched() throws Exception {
    InMemoryItemFeatures store = InMemoryItemFeatures.create(SCHEMA);
    store.put(1, new float[] {1f});
    CachedItemFeatures[] cached = new CachedItemFeatures[1];
    int[] fetched = new int[1];
    ItemFeatureStore invalidating = counting(store, fetched, () -> {
      for (long id = 1_000; id < 3_000; id++) {
        cached[0].invalidate(id);
      }
    });
    cached[0] =
        CachedItemFeatures.over(invalidating, 100, Duration.ofMinutes(10), "f", new SimpleMeterRegistry());
    cached[0].lookup(new long[] {1}, new float[1]);
    cached[0].lookup(new long[] {1}, new float[1]);
    assertThat(fetched[0]).as("the first lookup's item was not cached, so it is fetched twice")
        .isEqualTo(2);
  }

  /** {@code store}, counting the ids fetched in {@code fetched[0]} and running {@code during} after each read. */
  private static ItemFeatureStore counting(ItemFeatureStore store, int[] fetched, Runnable during) {
    return new ItemFeatureStore() {
      @Override
      public FeatureSchema schema() {
        return SCHEMA;
      }

      @Override
      public void lookup(long[] ids, float[] out) throws Exception {
        fetched[0] += ids.length;
        store.lookup(ids, out);
        during.run();
      }
    };
  }
}
