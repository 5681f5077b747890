package dev.shortlist.core;

import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;

/**
 * An immutable set of item ids, stored as one sorted {@code long[]}: compact, allocation-free
 * {@link #contains(long)} in O(log n), cheap to hand to index filters.
 *
 * <p>Immutable and thread-safe.
 */
public final class IdSet {

  private static final IdSet EMPTY = new IdSet(new long[0]);

  private final long[] sorted;

  private IdSet(long[] sortedUnique) {
    this.sorted = sortedUnique;
  }

  /** The empty set. */
  public static IdSet empty() {
    return EMPTY;
  }

  /** A set of the given ids; duplicates are collapsed. */
  public static IdSet of(long... ids) {
    Objects.requireNonNull(ids, "ids");
    return fromOwned(ids.clone());
  }

  /**
   * A set of the given ids.
   *
   * @throws IllegalArgumentException if an id is null
   */
  public static IdSet copyOf(Collection<Long> ids) {
    Objects.requireNonNull(ids, "ids");
    long[] a = new long[ids.size()];
    int i = 0;
    for (Long id : ids) {
      if (id == null) {
        throw new IllegalArgumentException("ids must not contain null (at position " + i + ")");
      }
      a[i++] = id;
    }
    return fromOwned(a);
  }

  private static IdSet fromOwned(long[] a) {
    if (a.length == 0) {
      return EMPTY;
    }
    Arrays.sort(a);
    int n = 1;
    for (int i = 1; i < a.length; i++) {
      if (a[i] != a[n - 1]) {
        a[n++] = a[i];
      }
    }
    return new IdSet(n == a.length ? a : Arrays.copyOf(a, n));
  }

  /** Whether {@code id} is in the set. */
  public boolean contains(long id) {
    return sorted.length != 0 && Arrays.binarySearch(sorted, id) >= 0;
  }

  /** Number of ids. */
  public int size() {
    return sorted.length;
  }

  public boolean isEmpty() {
    return sorted.length == 0;
  }

  /** The ids in ascending order, as a new array. */
  public long[] toArray() {
    return sorted.clone();
  }

  /** The union of this set and {@code other}. */
  public IdSet union(IdSet other) {
    Objects.requireNonNull(other, "other");
    if (other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    long[] a = Arrays.copyOf(sorted, sorted.length + other.sorted.length);
    System.arraycopy(other.sorted, 0, a, sorted.length, other.sorted.length);
    return fromOwned(a);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdSet other && Arrays.equals(sorted, other.sorted);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sorted);
  }

  @Override
  public String toString() {
    if (sorted.length <= 16) {
      return "IdSet" + Arrays.toString(sorted);
    }
    return "IdSet[" + sorted.length + " ids]";
  }
}
