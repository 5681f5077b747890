package dev.shortlist.ranking;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Query;
import dev.shortlist.core.Selector;
import java.util.Objects;

/**
 * Selects the {@code size} best-scoring candidates, best first; ties go to the smaller item id,
 * so the result is deterministic. O(n log size) with a bounded heap of row indexes.
 *
 * <p>Immutable and thread-safe.
 */
public final class TopKSelector implements Selector {

  private final String name;

  private TopKSelector(String name) {
    this.name = name;
  }

  /** A top-k selector named {@code "top-k"}. */
  public static TopKSelector create() {
    return named("top-k");
  }

  /** A top-k selector with the given stage name. */
  public static TopKSelector named(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
    }
    return new TopKSelector(name);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int[] select(Query query, Candidates c, int size) {
    if (size <= 0) {
      throw new IllegalArgumentException("size must be positive, was " + size);
    }
    int k = Math.min(size, c.size());
    // Min-heap of the k best rows seen so far; the root is the worst of them.
    int[] heap = new int[k];
    int n = 0;
    for (int row = 0; row < c.size(); row++) {
      if (n < k) {
        heap[n] = row;
        siftUp(c, heap, n++);
      } else if (better(c, row, heap[0])) {
        heap[0] = row;
        siftDown(c, heap, 0, n);
      }
    }
    // Pop worst-first into the back of the result.
    int[] out = new int[n];
    for (int i = n - 1; i >= 0; i--) {
      out[i] = heap[0];
      heap[0] = heap[i];
      siftDown(c, heap, 0, i);
    }
    return out;
  }

  /** Whether row {@code a} ranks before row {@code b}. */
  private static boolean better(Candidates c, int a, int b) {
    float sa = c.score(a);
    float sb = c.score(b);
    return sa > sb || (sa == sb && c.id(a) < c.id(b));
  }

  private static void siftUp(Candidates c, int[] heap, int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!better(c, heap[parent], heap[i])) {
        break;
      }
      swap(heap, i, parent);
      i = parent;
    }
  }

  private static void siftDown(Candidates c, int[] heap, int i, int n) {
    while (true) {
      int l = 2 * i + 1;
      if (l >= n) {
        return;
      }
      int worst = l;
      int r = l + 1;
      if (r < n && better(c, heap[l], heap[r])) {
        worst = r;
      }
      if (!better(c, heap[i], heap[worst])) {
        return;
      }
      swap(heap, i, worst);
      i = worst;
    }
  }

  private static void swap(int[] a, int i, int j) {
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
  }

  @Override
  public String toString() {
    return "TopKSelector[" + name + "]";
  }
}
