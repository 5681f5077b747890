package dev.shortlist.core;

/**
 * An open-addressing map from {@code long} to non-negative {@code int}, without boxing; used to
 * de-duplicate candidates. Not thread-safe; one per request.
 */
final class LongIntMap {

  private long[] keys;
  private int[] values;
  private boolean[] used;
  private int size;
  private int mask;

  LongIntMap(int expected) {
    int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
    allocate(cap);
  }

  private void allocate(int cap) {
    keys = new long[cap];
    values = new int[cap];
    used = new boolean[cap];
    mask = cap - 1;
  }

  /** Stores {@code value} for {@code key} if absent and returns -1; else returns the existing value. */
  int putIfAbsent(long key, int value) {
    int slot = slot(key);
    while (used[slot]) {
      if (keys[slot] == key) {
        return values[slot];
      }
      slot = (slot + 1) & mask;
    }
    used[slot] = true;
    keys[slot] = key;
    values[slot] = value;
    if (++size * 2 > keys.length) {
      grow();
    }
    return -1;
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private void grow() {
    long[] k = keys;
    int[] v = values;
    boolean[] u = used;
    allocate(k.length * 2);
    size = 0;
    for (int i = 0; i < k.length; i++) {
      if (u[i]) {
        putIfAbsent(k[i], v[i]);
      }
    }
  }
}
