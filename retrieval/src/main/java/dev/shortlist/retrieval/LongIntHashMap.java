package dev.shortlist.retrieval;

import java.util.Arrays;

/**
 * An open-addressing map from any {@code long} to a non-negative {@code int}, without boxing:
 * linear probing, deletion by backward shift (Knuth, TAOCP vol. 3, 6.4, Algorithm R), so no
 * tombstones accumulate under churn. Not thread-safe; the owner guards it.
 */
final class LongIntHashMap {

  private static final int FREE = -1;
  private static final int MAX_CAPACITY = 1 << 30;

  private long[] keys;
  private int[] values;
  private int size;
  private int mask;

  LongIntHashMap(int expected) {
    allocate(capacityFor(Math.max(expected, 4)));
  }

  /** The value for {@code key}, or -1 when absent. */
  int get(long key) {
    for (int slot = slot(key); ; slot = (slot + 1) & mask) {
      int v = values[slot];
      if (v == FREE || keys[slot] == key) {
        return v;
      }
    }
  }

  /** Maps {@code key} to {@code value} (non-negative); returns the previous value or -1. */
  int put(long key, int value) {
    assert value >= 0 : value;
    int slot = slot(key);
    for (; values[slot] != FREE; slot = (slot + 1) & mask) {
      if (keys[slot] == key) {
        int old = values[slot];
        values[slot] = value;
        return old;
      }
    }
    keys[slot] = key;
    values[slot] = value;
    if (++size > (keys.length >>> 1)) {
      grow();
    }
    return FREE;
  }

  /** Removes {@code key}; returns its value, or -1 when absent. */
  int remove(long key) {
    int slot = slot(key);
    for (; values[slot] != FREE; slot = (slot + 1) & mask) {
      if (keys[slot] == key) {
        int old = values[slot];
        shiftBack(slot);
        size--;
        return old;
      }
    }
    return FREE;
  }

  /** Bytes held by the table's arrays. */
  long bytes() {
    return 12L * keys.length;
  }

  int size() {
    return size;
  }

  private void shiftBack(int hole) {
    for (int next = (hole + 1) & mask; values[next] != FREE; next = (next + 1) & mask) {
      int home = slot(keys[next]);
      boolean movable =
          hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
      if (movable) {
        keys[hole] = keys[next];
        values[hole] = values[next];
        hole = next;
      }
    }
    values[hole] = FREE;
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    values = new int[capacity];
    Arrays.fill(values, FREE);
    mask = capacity - 1;
  }

  private void grow() {
    if (keys.length >= MAX_CAPACITY) {
      throw new IllegalStateException("too many ids: " + size);
    }
    long[] k = keys;
    int[] v = values;
    allocate(k.length << 1);
    size = 0;
    for (int i = 0; i < k.length; i++) {
      if (v[i] != FREE) {
        put(k[i], v[i]);
      }
    }
  }

  private static int capacityFor(int expected) {
    long c = Long.highestOneBit(Math.max(4L, (long) expected * 2 - 1)) << 1;
    return (int) Math.min(c, MAX_CAPACITY);
  }
}
