package dev.shortlist.retrieval;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.StampedLock;

/**
 * A brute-force {@link VectorIndex}: every search scores every vector, so results are exact (up
 * to float rounding) and serve as the ground truth for the recall of approximate indexes.
 *
 * <p>Vectors live contiguously in one growable {@code float[]}, one slot per id; removal moves
 * the last vector into the freed slot. Scoring uses SIMD through the Vector API when the JVM runs
 * with {@code --add-modules jdk.incubator.vector} and scalar loops otherwise (see {@link
 * #vectorImplementation()}). For {@link Metric#COSINE}, vectors and queries are normalised to unit
 * length on the way in, so scores are dot products of unit vectors.
 *
 * <p>Costs: {@link #search} is O(n·d) plus O(n log k) for the top-k heap; {@link #upsert} and
 * {@link #remove} are O(d) amortised. Memory is about {@code 4·d + 24} bytes per vector.
 *
 * <p>Thread-safe: any number of searches run concurrently, while {@link #upsert} and {@link
 * #remove} take an exclusive lock (waiting for searches in progress) and are visible to every
 * search that starts after they return.
 */
public final class ExactIndex implements VectorIndex {

  /** The largest supported {@link #dimension()}. */
  public static final int MAX_DIMENSION = 1 << 16;

  private static final int MAX_FLOATS = Integer.MAX_VALUE - 16;
  private static final int DEADLINE_CHECK_INTERVAL = 4096;
  private static final float[] NO_FLOATS = new float[0];
  private static final long[] NO_IDS = new long[0];

  private final int dimension;
  private final Metric metric;
  private final VectorMath math;
  private final StampedLock lock = new StampedLock();

  private float[] vectors = NO_FLOATS;
  private long[] slotIds = NO_IDS;
  private final LongIntHashMap slotOf = new LongIntHashMap(16);
  private int size;

  private ExactIndex(int dimension, Metric metric, VectorMath math) {
    this.dimension = dimension;
    this.metric = metric;
    this.math = math;
  }

  /**
   * An empty index of {@code dimension}-component vectors compared by {@code metric}.
   *
   * @throws IllegalArgumentException if {@code dimension} is not in [1, {@value #MAX_DIMENSION}]
   */
  public static ExactIndex create(int dimension, Metric metric) {
    return create(dimension, metric, VectorMath.get());
  }

  static ExactIndex create(int dimension, Metric metric, VectorMath math) {
    if (dimension < 1 || dimension > MAX_DIMENSION) {
      throw new IllegalArgumentException(
          "dimension must be in [1, " + MAX_DIMENSION + "], was " + dimension);
    }
    Objects.requireNonNull(metric, "metric");
    Objects.requireNonNull(math, "math");
    return new ExactIndex(dimension, metric, math);
  }

  /**
   * Which kernels brute-force scoring uses in this JVM: {@code "scalar"}, or a description
   * starting with {@code "Panama Vector API"} when SIMD is on.
   */
  public static String vectorImplementation() {
    return VectorMath.get().description();
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if {@code vector} is null, has other than {@link
   *     #dimension()} components, has a NaN or infinite component, or (for {@link Metric#COSINE})
   *     is all zeros; the index is then unchanged
   * @throws IllegalStateException if the index cannot grow further (about 2^31 floats in total)
   */
  @Override
  public void upsert(long id, float[] vector) {
    float[] v = VectorChecks.prepare(vector, dimension, metric, "vector for id " + id, "vector");
    long stamp = lock.writeLock();
    try {
      int slot = slotOf.get(id);
      if (slot < 0) {
        slot = size;
        ensureCapacity(slot + 1);
        slotOf.put(id, slot);
        slotIds[slot] = id;
        size++;
      }
      System.arraycopy(v, 0, vectors, slot * dimension, dimension);
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  @Override
  public boolean remove(long id) {
    long stamp = lock.writeLock();
    try {
      int slot = slotOf.remove(id);
      if (slot < 0) {
        return false;
      }
      int last = --size;
      if (slot != last) {
        long moved = slotIds[last];
        System.arraycopy(vectors, last * dimension, vectors, slot * dimension, dimension);
        slotIds[slot] = moved;
        slotOf.put(moved, slot);
      }
      return true;
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Ties in score are broken by the smaller id, so results are deterministic. Returns all
   * eligible vectors when fewer than {@code k} exist. The deadline is checked before the scan
   * and every few thousand vectors.
   *
   * @throws IllegalArgumentException if {@code k <= 0}, or {@code query} is null, has other than
   *     {@link #dimension()} components, has a NaN or infinite component, or (for {@link
   *     Metric#COSINE}) is all zeros
   */
  @Override
  public Neighbors search(float[] query, int k, IdSet exclusions, Deadline deadline) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, was " + k);
    }
    float[] q = VectorChecks.prepare(query, dimension, metric, "query", "query");
    Objects.requireNonNull(exclusions, "exclusions");
    Objects.requireNonNull(deadline, "deadline");
    deadline.check("exact search");
    long stamp = lock.readLock();
    try {
      return scan(q, k, exclusions, deadline);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  private Neighbors scan(float[] q, int k, IdSet exclusions, Deadline deadline) {
    int n = size;
    TopK top = new TopK(Math.min(k, n));
    float[] data = vectors;
    long[] ids = slotIds;
    int d = dimension;
    for (int start = 0; start < n; start += DEADLINE_CHECK_INTERVAL) {
      if (start > 0) {
        deadline.check("exact search");
      }
      int end = Math.min(n, start + DEADLINE_CHECK_INTERVAL);
      for (int slot = start; slot < end; slot++) {
        float score = math.similarity(metric, q, data, slot * d, d);
        if (score != score) {
          score = Float.NEGATIVE_INFINITY;
        }
        long id = ids[slot];
        if (top.accepts(score, id) && !exclusions.contains(id)) {
          top.add(score, id);
        }
      }
    }
    return top.drain();
  }

  @Override
  public float[] vector(long id) {
    long stamp = lock.readLock();
    try {
      int slot = slotOf.get(id);
      if (slot < 0) {
        return null;
      }
      return Arrays.copyOfRange(vectors, slot * dimension, (slot + 1) * dimension);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  @Override
  public int size() {
    long stamp = lock.tryOptimisticRead();
    int n = size;
    if (!lock.validate(stamp)) {
      stamp = lock.readLock();
      try {
        n = size;
      } finally {
        lock.unlockRead(stamp);
      }
    }
    return n;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public Metric metric() {
    return metric;
  }

  @Override
  public String toString() {
    return "ExactIndex[" + size() + " × " + dimension + ", " + metric + ", " + math + "]";
  }

  private void ensureCapacity(int slots) {
    int capacity = slotIds.length;
    if (slots <= capacity) {
      return;
    }
    long grown = Math.max(16L, Math.max((long) slots, capacity + (capacity >> 1)));
    long maxSlots = MAX_FLOATS / dimension;
    if (slots > maxSlots) {
      throw new IllegalStateException(
          "index is full: " + size + " vectors of dimension " + dimension);
    }
    int newCapacity = (int) Math.min(grown, maxSlots);
    vectors = Arrays.copyOf(vectors, newCapacity * dimension);
    slotIds = Arrays.copyOf(slotIds, newCapacity);
  }
}
