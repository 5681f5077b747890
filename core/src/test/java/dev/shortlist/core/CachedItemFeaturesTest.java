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
}
