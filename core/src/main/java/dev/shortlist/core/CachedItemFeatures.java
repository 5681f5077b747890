package dev.shortlist.core;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.cache.CacheMeterBinder;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;

/**
 * A bounded cache in front of a slower {@link ItemFeatureStore} (a remote feature service, a
 * database): a lookup serves what it holds and fetches all the missing items from the store in
 * one batch. Metrics go to Micrometer under the standard cache names ({@code cache.gets} with
 * {@code result=hit|miss}, {@code cache.puts}, {@code cache.evictions}, {@code cache.size}) and
 * {@code cache=<name>}.
 *
 * <p>Call {@link #invalidate(long)} when an item's features change, so the next lookup fetches
 * them; a lookup in flight across the invalidate does not cache what it read of that item (nor,
 * when more than a thousand invalidations overlap it, of any item), so once invalidate returns
 * no lookup serves the item's earlier features from the cache. Thread-safe.
 *
 * <h2>Storage</h2>
 *
 * Rows live in primitive arrays, not in an object per entry: the cache is split into segments by
 * id, and each keeps its ids in an open-addressing table and evicts by CLOCK (a hit marks a row;
 * the hand clears marks and evicts the first unmarked row, so a row fetched once and never read
 * again goes first). The arrays are allocated once, for {@code maxItems} rows, and shared by the
 * segments: storing a row allocates nothing, and large arrays go straight to the old generation,
 * so a cache that turns over hundreds of thousands of rows a second gives the garbage collector
 * nothing to copy. With one Caffeine entry per row, those entries survived young collections and
 * set their pauses (60–90 ms for a 200,000 row cache turning over 100,000 rows a second); with
 * arrays grown on demand, the grown arrays were copied by every young collection until tenured.
 * Lookups read without locking (a {@link StampedLock}'s optimistic read, retried under the read
 * lock when a write interleaved).
 */
public final class CachedItemFeatures implements ItemFeatureStore {

  private final ItemFeatureStore store;
  private final int width;
  private final long ttlNanos;
  private final Ticker ticker;
  private final Segment[] segments;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder evictions = new LongAdder();
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
  /** Segments (a power of two) for a cache of at least {@code 64 × 16} rows; fewer below. */
  private static final int MAX_SEGMENTS = 64;

  private CachedItemFeatures(ItemFeatureStore store, long maxItems, long ttlNanos, Ticker ticker) {
    this.store = store;
    this.width = store.schema().size();
    this.ttlNanos = ttlNanos;
    this.ticker = ticker;
    int n = segmentsFor(maxItems);
    int rows = (int) maxItems;
    int perSegment = (int) ((maxItems + n - 1) / n);
    int slots = tableFor(perSegment);
    Storage storage = new Storage(new float[rows * width], new long[rows], new long[rows],
        new boolean[rows], new long[n * slots], new int[n * slots]);
    Arrays.fill(storage.rowAt, Segment.EMPTY);
    segments = new Segment[n];
    int base = 0;
    for (int s = 0; s < n; s++) {
      // Split maxItems exactly: the first maxItems % n segments hold one row more.
      int capacity = (int) (maxItems / n + (s < maxItems % n ? 1 : 0));
      segments[s] = new Segment(storage, width, base, capacity, s * slots, slots - 1);
      base += capacity;
    }
  }

  /** Segments for {@code maxItems} rows: up to {@value #MAX_SEGMENTS}, at least 16 rows each. */
  private static int segmentsFor(long maxItems) {
    int n = MAX_SEGMENTS;
    while (n > 1 && maxItems / n < 16) {
      n >>= 1;
    }
    return n;
  }

  /** Table slots for a segment of {@code rows} rows: a power of two, at least twice as many. */
  private static int tableFor(int rows) {
    return Integer.highestOneBit(Math.max(2, rows) * 2 - 1) << 1;
  }

  /**
   * Caches up to {@code maxItems} items of {@code store} for {@code ttl} each. Allocates its
   * arrays at once: {@code maxItems × (4 × features + 17)} bytes for the rows, plus 24 to 48
   * bytes per item for the id tables.
   *
   * @param name the cache's name in metrics
   * @throws IllegalArgumentException if {@code maxItems} or {@code ttl} is not positive, or
   *     {@code maxItems} rows of the store's features would not fit in Java arrays
   */
  public static CachedItemFeatures over(
      ItemFeatureStore store, long maxItems, Duration ttl, String name, MeterRegistry registry) {
    return over(store, maxItems, ttl, name, registry, Ticker.system());
  }

  /**
   * {@link #over(ItemFeatureStore, long, Duration, String, MeterRegistry)}, with {@code ttl}
   * measured on {@code ticker}.
   */
  public static CachedItemFeatures over(ItemFeatureStore store, long maxItems, Duration ttl, String name,
      MeterRegistry registry, Ticker ticker) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(ticker, "ticker");
    if (maxItems <= 0) {
      throw new IllegalArgumentException("maxItems must be positive, was " + maxItems);
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, was " + ttl);
    }
    int width = store.schema().size();
    int segments = segmentsFor(maxItems);
    long perSegment = (maxItems + segments - 1) / segments;
    long limit = Integer.MAX_VALUE - 16;
    if (maxItems > limit || maxItems * Math.max(1, width) > limit
        || perSegment > (1 << 29) || (long) segments * tableFor((int) perSegment) > limit) {
      throw new IllegalArgumentException("maxItems " + maxItems + " of " + width
          + " features each is more than this cache can hold");
    }
    long ttlNanos = ttl.compareTo(Duration.ofDays(365L * 100)) > 0 ? Long.MAX_VALUE / 4 : ttl.toNanos();
    CachedItemFeatures cache = new CachedItemFeatures(store, maxItems, ttlNanos, ticker);
    new Metrics(cache, name).bindTo(registry);
    return cache;
  }

  @Override
  public FeatureSchema schema() {
    return store.schema();
  }

  @Override
  public void lookup(long[] ids, float[] out) throws Exception {
    if (out.length != ids.length * width) {
      throw new IllegalArgumentException(
          "out has " + out.length + " floats, expected " + ids.length + " × " + width);
    }
    // One probe per id, rows copied straight into place; the misses go to the store in one batch
    // (duplicates included: rarer than the cost of removing them).
    long now = ticker.read();
    int[] missing = null;
    int misses = 0;
    for (int i = 0; i < ids.length; i++) {
      long id = ids[i];
      long h = hash(id);
      if (!segment(h).read(id, h, now, ttlNanos, out, i * width)) {
        if (missing == null) {
          missing = new int[ids.length - i];
        }
        missing[misses++] = i;
      }
    }
    hits.add(ids.length - misses);
    this.misses.add(misses);
    if (misses == 0) {
      return;
    }
    long[] fetch = new long[misses];
    for (int m = 0; m < misses; m++) {
      fetch[m] = ids[missing[m]];
    }
    // Read the invalidation count before the store: a value fetched before an update must not be
    // stored once that update's invalidate() has removed the item, or it would stay, stale.
    Staleness staleness = new Staleness(invalidations.get());
    float[] values = new float[misses * width];
    store.lookup(fetch, values);
    long stored = ticker.read();
    int written = 0;
    for (int m = 0; m < misses; m++) {
      System.arraycopy(values, m * width, out, missing[m] * width, width);
      long h = hash(fetch[m]);
      int result = segment(h).write(fetch[m], h, values, m * width, stored, staleness);
      if (result != Segment.SKIPPED) {
        written++;
        if (result == Segment.EVICTED) {
          evictions.increment();
        }
      }
    }
    puts.add(written);
  }

  /**
   * Whether an id fetched by one lookup may have changed since: asked under the id's segment
   * lock, just before its row is written. An invalidate() removes its id under the same lock
   * after counting itself, so either it removed the id before this write, and then this check
   * sees its count and skips the row, or it removes the written row afterwards. Either way no
   * stale row remains, or can be read, once invalidate() has returned.
   */
  private final class Staleness {
    private final long seen;
    private long checkedUpTo;
    private long[] changed;

    Staleness(long seen) {
      this.seen = seen;
      this.checkedUpTo = seen;
    }

    /** True if {@code id} was invalidated since the lookup read the count (or may have been). */
    boolean stale(long id) {
      long now = invalidations.get();
      if (now == seen) {
        return false;
      }
      if (now != checkedUpTo) {
        changed = invalidatedBetween(seen, now);
        checkedUpTo = now;
      }
      return changed == null || Arrays.binarySearch(changed, id) >= 0;
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
    long h = hash(itemId);
    segment(h).remove(itemId, h);
  }

  /** Rows held now (a moment's count: lookups and invalidations may change it at once). */
  public long size() {
    long n = 0;
    for (Segment s : segments) {
      n += s.size();
    }
    return n;
  }

  private static long hash(long id) {
    long h = id * 0x9E3779B97F4A7C15L;
    return h ^ (h >>> 29);
  }

  /** The segment of a hash: its top bits (the table slots use the low ones). */
  private Segment segment(long h) {
    return segments[(int) (h >>> 58) & (segments.length - 1)];
  }

  /** The rows and id tables of all segments, allocated once. */
  private record Storage(float[] values, long[] idOf, long[] written, boolean[] referenced,
      long[] keys, int[] rowAt) {}

  /**
   * One segment: rows {@code base .. base + capacity - 1} of the shared arrays (handed out in
   * order, then reused from {@code free} or by the CLOCK), and table slots {@code slotBase ..
   * slotBase + mask} from id to row, with linear probing. Writers hold the lock; readers validate
   * an optimistic stamp.
   */
  private static final class Segment {
    static final int EMPTY = -1;
    static final int WRITTEN = 0;
    static final int EVICTED = 1;
    static final int SKIPPED = 2;

    private final StampedLock lock = new StampedLock();
    private final int width;
    private final int base;
    private final int capacity;
    private final int slotBase;
    private final int mask;
    /** Slot {@code slotBase + t} holds id {@code keys[..]} at row {@code rowAt[..]}, or EMPTY. */
    private final long[] keys;
    private final int[] rowAt;
    /** Per row: its id, when it was written, whether it was read since the hand passed. */
    private final long[] idOf;
    private final long[] written;
    private final boolean[] referenced;
    private final float[] values;
    /** Rows handed out so far ({@code base .. base + used - 1}); removed ones are in free. */
    private int used;
    private int[] free = new int[0];
    private int freeCount;
    private int hand;

    Segment(Storage storage, int width, int base, int capacity, int slotBase, int mask) {
      this.width = width;
      this.base = base;
      this.capacity = capacity;
      this.slotBase = slotBase;
      this.mask = mask;
      this.keys = storage.keys();
      this.rowAt = storage.rowAt();
      this.idOf = storage.idOf();
      this.written = storage.written();
      this.referenced = storage.referenced();
      this.values = storage.values();
    }

    /**
     * Copies {@code id}'s row into {@code out} at {@code at} if held and not older than {@code
     * ttl}; returns whether it did. {@code out} may be written even when it returns false.
     */
    boolean read(long id, long h, long now, long ttl, float[] out, int at) {
      long stamp = lock.tryOptimisticRead();
      int row = find(id, h, now, ttl, out, at);
      if (!lock.validate(stamp)) {
        stamp = lock.readLock();
        try {
          row = find(id, h, now, ttl, out, at);
        } finally {
          lock.unlockRead(stamp);
        }
      }
      if (row < 0) {
        return false;
      }
      referenced[row] = true; // a hint for the CLOCK: racing with the hand costs at most one eviction
      return true;
    }

    /**
     * The row of {@code id} after copying it, or -1. Bounded and in this segment's range even
     * when a writer changes the table underneath (an optimistic read): the caller validates
     * before believing the result.
     */
    private int find(long id, long h, long now, long ttl, float[] out, int at) {
      for (int t = (int) h & mask, probes = 0; probes <= mask; t = (t + 1) & mask, probes++) {
        int row = rowAt[slotBase + t];
        if (row == EMPTY) {
          return -1;
        }
        if (keys[slotBase + t] == id) {
          if (row < base || row >= base + capacity) {
            return -1; // torn read: validation fails
          }
          if (now - written[row] > ttl) {
            return -1; // expired: fetched again and overwritten
          }
          System.arraycopy(values, row * width, out, at, width);
          return row;
        }
      }
      return -1;
    }

    /**
     * Stores {@code id}'s row from {@code src} at {@code from} unless {@code staleness} says it
     * may have changed since it was fetched; returns {@link #WRITTEN}, {@link #EVICTED} (written
     * in place of another row) or {@link #SKIPPED}.
     */
    int write(long id, long h, float[] src, int from, long now, Staleness staleness) {
      long stamp = lock.writeLock();
      try {
        if (staleness.stale(id)) {
          return SKIPPED;
        }
        int t = slotOf(id, h);
        if (t >= 0) {
          int row = rowAt[slotBase + t];
          System.arraycopy(src, from, values, row * width, width);
          written[row] = now;
          return WRITTEN;
        }
        boolean evicted = false;
        int row;
        if (freeCount > 0) {
          row = free[--freeCount];
        } else if (used < capacity) {
          row = base + used++;
        } else {
          row = victim();
          removeSlot(slotOf(idOf[row], hash(idOf[row])));
          evicted = true;
        }
        idOf[row] = id;
        written[row] = now;
        referenced[row] = false; // not yet read: the first row the hand evicts unless it is
        System.arraycopy(src, from, values, row * width, width);
        int slot = (int) h & mask;
        while (rowAt[slotBase + slot] != EMPTY) {
          slot = (slot + 1) & mask;
        }
        keys[slotBase + slot] = id;
        rowAt[slotBase + slot] = row;
        return evicted ? EVICTED : WRITTEN;
      } finally {
        lock.unlockWrite(stamp);
      }
    }

    /** Drops {@code id}'s row, if held. */
    void remove(long id, long h) {
      long stamp = lock.writeLock();
      try {
        int t = slotOf(id, h);
        if (t < 0) {
          return;
        }
        int row = rowAt[slotBase + t];
        removeSlot(t);
        if (freeCount == free.length) {
          free = Arrays.copyOf(free, Math.max(16, 2 * free.length));
        }
        free[freeCount++] = row;
        referenced[row] = false;
      } finally {
        lock.unlockWrite(stamp);
      }
    }

    /** Rows holding an id: those handed out, less those freed (an eviction reuses a held row). */
    int size() {
      long stamp = lock.readLock();
      try {
        return used - freeCount;
      } finally {
        lock.unlockRead(stamp);
      }
    }

    /** The CLOCK victim among the (all held) rows: the first the hand finds unmarked. */
    private int victim() {
      while (true) {
        int row = base + hand;
        hand = hand + 1 == used ? 0 : hand + 1;
        if (!referenced[row]) {
          return row;
        }
        referenced[row] = false;
      }
    }

    /** The table slot (relative to slotBase) of {@code id}, or -1. Under the write lock. */
    private int slotOf(long id, long h) {
      for (int t = (int) h & mask; ; t = (t + 1) & mask) {
        int row = rowAt[slotBase + t];
        if (row == EMPTY) {
          return -1;
        }
        if (keys[slotBase + t] == id) {
          return t;
        }
      }
    }

    /** Empties slot {@code t}, shifting later entries of its probe run back (no tombstones). */
    private void removeSlot(int t) {
      int hole = t;
      for (int s = (t + 1) & mask; rowAt[slotBase + s] != EMPTY; s = (s + 1) & mask) {
        int home = (int) hash(keys[slotBase + s]) & mask;
        // Move s into the hole unless its home lies cyclically in (hole, s].
        boolean stays = hole <= s ? hole < home && home <= s : hole < home || home <= s;
        if (!stays) {
          keys[slotBase + hole] = keys[slotBase + s];
          rowAt[slotBase + hole] = rowAt[slotBase + s];
          hole = s;
        }
      }
      rowAt[slotBase + hole] = EMPTY;
    }
  }

  /** Micrometer's standard cache meters over the counters above. */
  private static final class Metrics extends CacheMeterBinder<CachedItemFeatures> {
    Metrics(CachedItemFeatures cache, String name) {
      super(cache, name, Tags.empty());
    }

    @Override
    protected Long size() {
      CachedItemFeatures c = getCache();
      return c == null ? null : c.size();
    }

    @Override
    protected long hitCount() {
      CachedItemFeatures c = getCache();
      return c == null ? 0 : c.hits.sum();
    }

    @Override
    protected Long missCount() {
      CachedItemFeatures c = getCache();
      return c == null ? null : c.misses.sum();
    }

    @Override
    protected Long evictionCount() {
      CachedItemFeatures c = getCache();
      return c == null ? null : c.evictions.sum();
    }

    @Override
    protected long putCount() {
      CachedItemFeatures c = getCache();
      return c == null ? 0 : c.puts.sum();
    }

    @Override
    protected void bindImplementationSpecificMetrics(MeterRegistry registry) {}
  }
}
