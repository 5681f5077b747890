package dev.shortlist.ranking;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Query;
import dev.shortlist.core.Selector;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongFunction;

/**
 * Selects a diverse list: Maximal Marginal Relevance over item embeddings, optionally with caps
 * on how many items may share an attribute value (e.g. at most 3 of one genre).
 *
 * <p>MMR (Carbonell &amp; Goldstein, SIGIR 1998) picks, one at a time, the candidate maximising
 * {@code λ · relevance − (1 − λ) · max similarity to the items already picked}, where relevance is
 * the candidate's score rescaled to [0, 1] over the candidates and similarity is the cosine of the
 * item embeddings. {@code λ = 1} is plain top-k. A candidate whose attribute value has reached its
 * cap is passed over. Ties go to the smaller item id, so the selection is deterministic. Cost:
 * at most O(size × n × d) for n candidates of dimension d, far less in practice (lazy greedy:
 * only candidates near the top are re-scored), and an embedding lookup only for those.
 *
 * <p>Immutable and thread-safe if the embedding and attribute functions are.
 */
public final class DiversitySelector implements Selector {

  private final String name;
  private final double lambda;
  private final LongFunction<float[]> embeddings;
  private final LongFunction<String> attribute;
  private final int maxPerValue;

  private DiversitySelector(Builder b) {
    this.name = b.name;
    this.lambda = b.lambda;
    this.embeddings = b.embeddings;
    this.attribute = b.attribute;
    this.maxPerValue = b.maxPerValue;
  }

  /** A builder for a selector named {@code name}; by default λ = 1 (no MMR) and no caps. */
  public static Builder builder(String name) {
    return new Builder(name);
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
    int n = c.size();
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      float s = c.score(i);
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    double range = max > min ? max - min : 1;
    boolean mmr = lambda < 1;
    // Lazy greedy: a candidate's MMR value only falls as items are picked (its max similarity
    // only grows), so a value computed against fewer picks is an upper bound. Take the best
    // bound; if it is stale, bring it up to date and put it back; if it is current, no other
    // candidate can beat it. Exact, and far fewer similarity computations than the plain loop.
    long[] ids = c.ids();
    // The heap orders rows by key, the value as a long with the order of Double.compare.
    long[] key = new long[n];
    for (int i = 0; i < n; i++) {
      double rel = (c.score(i) - min) / range;
      key[i] = key(mmr ? lambda * rel : rel);
    }
    double[] maxSim = mmr ? new double[n] : null;
    int[] seen = mmr ? new int[n] : null;
    float[][] unit = mmr ? new float[n][] : null;
    int[] dim = {-1};
    // A binary heap of rows, best first (larger value, then smaller id). The same operations as
    // java.util.PriorityQueue (add = sift up, poll = sift the last row down from the root), so
    // even rows that compare equal (a repeated id with an equal value) come out in the same order.
    int[] heap = new int[n];
    int count = 0;
    for (int i = 0; i < n; i++) {
      siftUp(heap, count++, i, key, ids);
    }
    String[] values = attribute == null ? null : new String[n];
    Map<String, Integer> perValue = attribute == null ? null : new HashMap<>();
    if (values != null) {
      for (int i = 0; i < n; i++) {
        values[i] = attribute.apply(ids[i]);
      }
    }
    int[] out = new int[Math.min(size, n)];
    int picked = 0;
    while (picked < out.length && count > 0) {
      int i = heap[0];
      int last = heap[--count];
      if (count > 0) {
        siftDown(heap, count, last, key, ids);
      }
      if (values != null && values[i] != null && perValue.getOrDefault(values[i], 0) >= maxPerValue) {
        continue; // capped for good: counts only grow
      }
      if (mmr && seen[i] < picked) {
        float[] e = unit(c, i, unit, dim);
        if (e != null) {
          double m = maxSim[i];
          for (int p = seen[i]; p < picked; p++) {
            float[] other = unit[out[p]];
            if (other != NONE) {
              double sim = dot(e, other);
              if (sim > m) {
                m = sim;
              }
            }
          }
          maxSim[i] = m;
        }
        seen[i] = picked;
        key[i] = key(lambda * ((c.score(i) - min) / range) - (1 - lambda) * maxSim[i]);
        siftUp(heap, count++, i, key, ids);
        continue;
      }
      out[picked++] = i;
      if (mmr) {
        if (picked < out.length) {
          unit(c, i, unit, dim);
        } else if (unit[i] == null) {
          embedding(c, i, dim); // the last pick: nothing is compared with it, so only checked
        }
      }
      if (values != null && values[i] != null) {
        perValue.merge(values[i], 1, Integer::sum);
      }
    }
    return picked == out.length ? out : java.util.Arrays.copyOf(out, picked);
  }

  /** {@code v} as a long; comparing two of these as longs is {@link Double#compare}. */
  private static long key(double v) {
    long bits = Double.doubleToLongBits(v);
    return bits ^ ((bits >> 63) & Long.MAX_VALUE);
  }

  /** True if row {@code a} comes strictly before row {@code b}: larger value, then smaller id. */
  private static boolean before(int a, int b, long[] key, long[] ids) {
    long ka = key[a];
    long kb = key[b];
    return ka > kb || (ka == kb && ids[a] < ids[b]);
  }

  /** Puts row {@code x} at heap position {@code k} (a free slot) and moves it up into place. */
  private static void siftUp(int[] heap, int k, int x, long[] key, long[] ids) {
    while (k > 0) {
      int parent = (k - 1) >>> 1;
      int e = heap[parent];
      if (!before(x, e, key, ids)) {
        break;
      }
      heap[k] = e;
      k = parent;
    }
    heap[k] = x;
  }

  /** Puts row {@code x} at the root of a heap of {@code n} rows and moves it down into place. */
  private static void siftDown(int[] heap, int n, int x, long[] key, long[] ids) {
    int k = 0;
    int half = n >>> 1;
    while (k < half) {
      int child = (k << 1) + 1;
      int c = heap[child];
      int right = child + 1;
      if (right < n && before(heap[right], c, key, ids)) {
        c = heap[child = right];
      }
      if (!before(c, x, key, ids)) {
        break;
      }
      heap[k] = c;
      k = child;
    }
    heap[k] = x;
  }

  /** Marks a row that was looked up and has no usable embedding; never written. */
  private static final float[] NONE = new float[0];

  /**
   * The unit-length embedding of row {@code i}, looked up once (kept in {@code unit[i]}, with
   * {@link #NONE} for none); null when it has none.
   */
  private float[] unit(Candidates c, int i, float[][] unit, int[] dim) {
    float[] u = unit[i];
    if (u != null) {
      return u == NONE ? null : u;
    }
    unit[i] = NONE;
    float[] e = embedding(c, i, dim);
    if (e == null) {
      return null; // no embedding: similar to nothing
    }
    double norm = 0;
    for (float x : e) {
      norm += (double) x * x;
    }
    if (!(norm > 0) || !Double.isFinite(norm)) {
      return null;
    }
    float inv = (float) (1 / Math.sqrt(norm));
    u = new float[e.length];
    for (int d = 0; d < u.length; d++) {
      u[d] = e[d] * inv;
    }
    unit[i] = u;
    return u;
  }

  /** The embedding of row {@code i} (null if none), checked against the others' dimension. */
  private float[] embedding(Candidates c, int i, int[] dim) {
    float[] e = embeddings.apply(c.id(i));
    if (e == null) {
      return null;
    }
    if (dim[0] < 0) {
      dim[0] = e.length;
    } else if (e.length != dim[0]) {
      throw new IllegalStateException(
          "selector '" + name + "': embedding of item " + c.id(i) + " has " + e.length
              + " components, others have " + dim[0]);
    }
    return e;
  }

  private static double dot(float[] a, float[] b) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int d = 0;
    for (; d + 3 < a.length; d += 4) {
      s0 += a[d] * b[d];
      s1 += a[d + 1] * b[d + 1];
      s2 += a[d + 2] * b[d + 2];
      s3 += a[d + 3] * b[d + 3];
    }
    for (; d < a.length; d++) {
      s0 += a[d] * b[d];
    }
    return (double) s0 + s1 + s2 + s3;
  }

  @Override
  public String toString() {
    return "DiversitySelector[" + name + ", λ=" + lambda
        + (attribute == null ? "" : ", at most " + maxPerValue + " per value") + "]";
  }

  /** Configures a {@link DiversitySelector}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private double lambda = 1;
    private LongFunction<float[]> embeddings;
    private LongFunction<String> attribute;
    private int maxPerValue = Integer.MAX_VALUE;

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
    }

    /**
     * Turns on MMR with trade-off {@code lambda} in [0, 1] (1 = relevance only, 0 = diversity
     * only) and item embeddings by id (null for an item without one).
     */
    public Builder mmr(double lambda, LongFunction<float[]> embeddings) {
      if (!(lambda >= 0 && lambda <= 1)) {
        throw new IllegalArgumentException("lambda must be in [0, 1], was " + lambda);
      }
      this.lambda = lambda;
      this.embeddings = Objects.requireNonNull(embeddings, "embeddings");
      return this;
    }

    /**
     * At most {@code maxPerValue} items per value of {@code attribute} (item id to value; null =
     * no value, never capped).
     */
    public Builder cap(LongFunction<String> attribute, int maxPerValue) {
      if (maxPerValue < 1) {
        throw new IllegalArgumentException("maxPerValue must be positive, was " + maxPerValue);
      }
      this.attribute = Objects.requireNonNull(attribute, "attribute");
      this.maxPerValue = maxPerValue;
      return this;
    }

    public DiversitySelector build() {
      return new DiversitySelector(this);
    }
  }
}
