package dev.shortlist.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
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
    InMemoryItemFeatures store = storeOf(10);
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

  @Test
  void lookup_afterTheTtl_fetchesAgain() throws Exception {
    InMemoryItemFeatures store = InMemoryItemFeatures.create(SCHEMA);
    store.put(7, new float[] {1f});
    long[] now = {0};
    int[] fetched = new int[1];
    CachedItemFeatures cached = CachedItemFeatures.over(counting(store, fetched, () -> {}), 100,
        Duration.ofSeconds(10), "f", new SimpleMeterRegistry(), () -> now[0]);
    cached.lookup(new long[] {7}, new float[1]);
    now[0] = Duration.ofSeconds(10).toNanos();
    cached.lookup(new long[] {7}, new float[1]);
    assertThat(fetched[0]).as("still fresh at exactly the ttl").isEqualTo(1);
    now[0]++;
    store.put(7, new float[] {2f});
    float[] out = new float[1];
    cached.lookup(new long[] {7}, out);
    assertThat(fetched[0]).isEqualTo(2);
    assertThat(out[0]).isEqualTo(2f);
  }

  @Test
  void badArguments_areRefusedNamingTheValue() {
    InMemoryItemFeatures store = InMemoryItemFeatures.create(SCHEMA);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    assertThatThrownBy(() -> CachedItemFeatures.over(store, 0, Duration.ofMinutes(1), "f", registry))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxItems must be positive, was 0");
    assertThatThrownBy(() -> CachedItemFeatures.over(store, 10, Duration.ZERO, "f", registry))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl must be positive, was PT0S");
    assertThatThrownBy(() -> CachedItemFeatures.over(store, Long.MAX_VALUE, Duration.ofMinutes(1), "f", registry))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxItems " + Long.MAX_VALUE);
    CachedItemFeatures cached = CachedItemFeatures.over(store, 10, Duration.ofMinutes(1), "f", registry);
    assertThatThrownBy(() -> cached.lookup(new long[] {1, 2}, new float[3]))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("out has 3 floats, expected 2 × 1");
  }

  /**
   * Many more items than room: the cache holds at most maxItems; items read again and again stay
   * (CLOCK marks them) while a stream of items read once passes through; hits, misses, puts and
   * evictions reach Micrometer.
   */
  @Test
  void overflowingTheCache_keepsAtMostMaxItems_andTheRowsThatAreRead() throws Exception {
    InMemoryItemFeatures store = storeOf(5_000);
    int[] fetched = new int[1];
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CachedItemFeatures cached = CachedItemFeatures.over(counting(store, fetched, () -> {}), 1_000,
        Duration.ofMinutes(10), "f", registry);
    long[] hot = new long[50];
    for (int i = 0; i < hot.length; i++) {
      hot[i] = 4_000 + 7 * i;
    }
    cached.lookup(hot, new float[hot.length]);
    float[] out = new float[hot.length];
    for (long cold = 0; cold < 3_000; cold += 10) {
      long[] batch = new long[10];
      for (int j = 0; j < 10; j++) {
        batch[j] = cold + j;
      }
      float[] got = new float[10];
      cached.lookup(batch, got);
      for (int j = 0; j < 10; j++) {
        assertThat(got[j]).isEqualTo((float) batch[j]);
      }
      cached.lookup(hot, out);
      for (int i = 0; i < hot.length; i++) {
        assertThat(out[i]).isEqualTo((float) hot[i]);
      }
      assertThat(cached.size()).isLessThanOrEqualTo(1_000);
    }
    assertThat(fetched[0]).as("the hot items were fetched once, the cold ones once each")
        .isEqualTo(hot.length + 3_000);
    assertThat(cached.size()).isEqualTo(1_000);
    assertThat(registry.get("cache.gets").tag("cache", "f").tag("result", "hit").functionCounter().count())
        .isEqualTo(300.0 * hot.length);
    assertThat(registry.get("cache.gets").tag("cache", "f").tag("result", "miss").functionCounter().count())
        .isEqualTo(hot.length + 3_000);
    assertThat(registry.get("cache.puts").tag("cache", "f").functionCounter().count())
        .isEqualTo(hot.length + 3_000);
    assertThat(registry.get("cache.evictions").tag("cache", "f").functionCounter().count())
        .isEqualTo(hot.length + 3_000 - 1_000);
    assertThat(registry.get("cache.size").tag("cache", "f").gauge().value()).isEqualTo(1_000);
    cached.invalidate(hot[0]);
    cached.invalidate(hot[1]);
    cached.invalidate(-1); // not held: changes nothing
    assertThat(cached.size()).as("invalidated rows are freed").isEqualTo(998);
    cached.lookup(hot, out);
    assertThat(cached.size()).as("freed rows are reused before any eviction").isEqualTo(1_000);
    assertThat(registry.get("cache.evictions").tag("cache", "f").functionCounter().count())
        .isEqualTo(hot.length + 3_000 - 1_000);
  }

  /**
   * Random lookups, updates and invalidations over more items than the cache holds (so rows are
   * evicted, freed, reused and the tables grow and shift entries back): every lookup returns the
   * store's current row, and an item looked up twice in a row is fetched once.
   */
  @Test
  void randomOperations_alwaysServeTheStoresCurrentRows() throws Exception {
    FeatureSchema schema = FeatureSchema.of("a", "b", "c");
    InMemoryItemFeatures store = InMemoryItemFeatures.create(schema);
    int items = 600;
    int[] version = new int[items];
    for (int id = 0; id < items; id++) {
      store.put(id, row(id, 0));
    }
    int[] fetched = new int[1];
    ItemFeatureStore counted = counting(store, fetched, () -> {});
    SplittableRandom rnd = new SplittableRandom(42);
    for (int maxItems : new int[] {1, 17, 100, 700}) {
      CachedItemFeatures cached = CachedItemFeatures.over(counted, maxItems,
          Duration.ofMinutes(10), "f" + maxItems, new SimpleMeterRegistry());
      for (int op = 0; op < 40_000; op++) {
        int id = rnd.nextInt(100) < 70 ? rnd.nextInt(60) : rnd.nextInt(items);
        switch (rnd.nextInt(10)) {
          case 0 -> {
            version[id]++;
            store.put(id, row(id, version[id]));
            cached.invalidate(id);
          }
          case 1 -> cached.invalidate(id);
          default -> {
            int n = 1 + rnd.nextInt(8);
            long[] ids = new long[n];
            for (int j = 0; j < n; j++) {
              ids[j] = j == 0 ? id : rnd.nextInt(items);
            }
            float[] out = new float[3 * n];
            cached.lookup(ids, out);
            for (int j = 0; j < n; j++) {
              int i = (int) ids[j];
              assertThat(Arrays.copyOfRange(out, 3 * j, 3 * j + 3))
                  .as("item %d at op %d with maxItems %d", i, op, maxItems)
                  .containsExactly(row(i, version[i]));
            }
            float[] again = new float[3];
            cached.lookup(new long[] {id}, again);
            int before = fetched[0];
            cached.lookup(new long[] {id}, again);
            assertThat(fetched[0]).as("just looked up, so held: op %d", op).isEqualTo(before);
            assertThat(again).containsExactly(row(id, version[id]));
          }
        }
        assertThat(cached.size()).isBetween(0L, (long) maxItems);
      }
    }
  }

  /**
   * Readers on four threads while a writer updates and invalidates items: a lookup never returns
   * a row mixed from two items or two versions, nor a version older than one whose invalidate()
   * returned before the lookup began.
   */
  @Test
  void concurrentLookupsAndInvalidations_neverServeTornOrStaleRows() throws Exception {
    FeatureSchema schema = FeatureSchema.of("a", "b", "c", "d");
    InMemoryItemFeatures store = InMemoryItemFeatures.create(schema);
    int items = 2_000;
    AtomicIntegerArray published =
        new AtomicIntegerArray(items);
    for (int id = 0; id < items; id++) {
      store.put(id, wide(id, 0));
    }
    CachedItemFeatures cached = CachedItemFeatures.over(store, 500, Duration.ofMinutes(10), "f",
        new SimpleMeterRegistry());
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      Future<?> writer = pool.submit(() -> {
        SplittableRandom rnd = new SplittableRandom(7);
        int[] version = new int[items];
        while (!stop.get()) {
          int id = rnd.nextInt(items);
          version[id]++;
          store.put(id, wide(id, version[id]));
          cached.invalidate(id);
          published.set(id, version[id]);
        }
        return null;
      });
      List<Future<Long>> readers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        long seed = t;
        readers.add(pool.submit(() -> {
          SplittableRandom rnd = new SplittableRandom(seed);
          long checked = 0;
          for (int round = 0; round < 20_000; round++) {
            int n = 1 + rnd.nextInt(16);
            long[] ids = new long[n];
            int[] floor = new int[n];
            for (int j = 0; j < n; j++) {
              ids[j] = rnd.nextInt(100) < 80 ? rnd.nextInt(300) : rnd.nextInt(items);
              floor[j] = published.get((int) ids[j]);
            }
            float[] out = new float[4 * n];
            cached.lookup(ids, out);
            for (int j = 0; j < n; j++) {
              float[] got = Arrays.copyOfRange(out, 4 * j, 4 * j + 4);
              if (got[0] != ids[j] || got[1] < floor[j]) {
                throw new AssertionError("item " + ids[j] + " (published version " + floor[j]
                    + ") served " + Arrays.toString(got));
              }
              if (got[2] != got[0] + 0.5f || got[3] != got[1] + 0.25f) {
                throw new AssertionError("torn row for item " + ids[j] + ": " + Arrays.toString(got));
              }
              checked++;
            }
          }
          return checked;
        }));
      }
      long checked = 0;
      for (Future<Long> r : readers) {
        checked += r.get(60, TimeUnit.SECONDS);
      }
      stop.set(true);
      writer.get(10, TimeUnit.SECONDS);
      assertThat(checked).isGreaterThan(100_000);
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  /** Items 0 .. items - 1 of {@link #SCHEMA}, each with its id as its one feature. */
  private static InMemoryItemFeatures storeOf(int items) {
    InMemoryItemFeatures store = InMemoryItemFeatures.create(SCHEMA);
    for (long id = 0; id < items; id++) {
      store.put(id, new float[] {id});
    }
    return store;
  }

  private static float[] row(int id, int version) {
    return new float[] {id, version, id * 31 + version};
  }

  /** Item, version, and each again plus a fraction: a row mixed from two rows shows. */
  private static float[] wide(int id, int version) {
    return new float[] {id, version, id + 0.5f, version + 0.25f};
  }

  /** {@code store}, counting the ids fetched in {@code fetched[0]} and running {@code during} after each read. */
  private static ItemFeatureStore counting(ItemFeatureStore store, int[] fetched, Runnable during) {
    return new ItemFeatureStore() {
      @Override
      public FeatureSchema schema() {
        return store.schema();
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
