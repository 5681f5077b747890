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
      min = Math.min(min, c.score(i));
      max = Math.max(max, c.score(i));
    }
    double range = max > min ? max - min : 1;
    boolean mmr = lambda < 1;
    // Lazy greedy: a candidate's MMR value only falls as items are picked (its max similarity
    // only grows), so a value computed against fewer picks is an upper bound. Take the best
    // bound; if it is stale, bring it up to date and put it back; if it is current, no other
    // candidate can beat it. Exact, and far fewer similarity computations than the plain loop.
    double[] value = new double[n];
    double[] rel = new double[n];
    double[] maxSim = new double[n];
    int[] seen = new int[n];
    float[][] unit = mmr ? new float[n][] : null;
    boolean[] looked = mmr ? new boolean[n] : null;
    for (int i = 0; i < n; i++) {
      rel[i] = (c.score(i) - min) / range;
      value[i] = mmr ? lambda * rel[i] : rel[i];
    }
    java.util.PriorityQueue<Integer> heap =
        new java.util.PriorityQueue<>(
            Math.max(1, n),
            (a, b) -> {
              int byValue = Double.compare(value[b], value[a]);
              return byValue != 0 ? byValue : Long.compare(c.id(a), c.id(b));
            });
    for (int i = 0; i < n; i++) {
      heap.add(i);
    }
    String[] values = attribute == null ? null : new String[n];
    Map<String, Integer> perValue = attribute == null ? null : new HashMap<>();
    if (values != null) {
      for (int i = 0; i < n; i++) {
        values[i] = attribute.apply(c.id(i));
      }
    }
    int[] out = new int[Math.min(size, n)];
    int picked = 0;
    int[] dim = {-1};
    while (picked < out.length && !heap.isEmpty()) {
      int i = heap.poll();
      if (values != null && values[i] != null && perValue.getOrDefault(values[i], 0) >= maxPerValue) {
        continue; // capped for good: counts only grow
      }
      if (mmr && seen[i] < picked) {
        float[] e = unit(c, i, unit, looked, dim);
        if (e != null) {
          for (int p = seen[i]; p < picked; p++) {
            float[] other = unit[out[p]];
            if (other != null) {
              double sim = dot(e, other);
              if (sim > maxSim[i]) {
                maxSim[i] = sim;
              }
            }
          }
        }
        seen[i] = picked;
        value[i] = lambda * rel[i] - (1 - lambda) * maxSim[i];
        heap.add(i);
        continue;
      }
      out[picked++] = i;
      if (mmr) {
        unit(c, i, unit, looked, dim);
      }
      if (values != null && values[i] != null) {
        perValue.merge(values[i], 1, Integer::sum);
      }
    }
    return picked == out.length ? out : java.util.Arrays.copyOf(out, picked);
  }

  /** The unit-length embedding of row {@code i}, looked up once; null when it has none. */
  private float[] unit(Candidates c, int i, float[][] unit, boolean[] looked, int[] dim) {
    if (looked[i]) {
      return unit[i];
    }
    looked[i] = true;
    float[] e = embeddings.apply(c.id(i));
    if (e == null) {
      return null; // no embedding: similar to nothing
    }
    if (dim[0] < 0) {
      dim[0] = e.length;
    } else if (e.length != dim[0]) {
      throw new IllegalStateException(
          "selector '" + name + "': embedding of item " + c.id(i) + " has " + e.length
              + " components, others have " + dim[0]);
    }
    double norm = 0;
    for (float x : e) {
      norm += (double) x * x;
    }
    if (!(norm > 0) || !Double.isFinite(norm)) {
      return null;
    }
    float inv = (float) (1 / Math.sqrt(norm));
    float[] u = new float[e.length];
    for (int d = 0; d < u.length; d++) {
      u[d] = e[d] * inv;
    }
    unit[i] = u;
    return u;
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
