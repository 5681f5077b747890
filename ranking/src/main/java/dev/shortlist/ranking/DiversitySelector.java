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
 * O(size × n × d) for n candidates of dimension d, plus one embedding lookup per candidate.
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
    float[][] unit = mmr ? unitEmbeddings(c) : null;
    double[] maxSim = new double[n];
    boolean[] taken = new boolean[n];
    String[] values = attribute == null ? null : new String[n];
    Map<String, Integer> perValue = attribute == null ? null : new HashMap<>();
    if (values != null) {
      for (int i = 0; i < n; i++) {
        values[i] = attribute.apply(c.id(i));
      }
    }
    int[] out = new int[Math.min(size, n)];
    int picked = 0;
    while (picked < out.length) {
      int best = -1;
      double bestValue = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        if (taken[i] || (values != null && values[i] != null
            && perValue.getOrDefault(values[i], 0) >= maxPerValue)) {
          continue;
        }
        double rel = (c.score(i) - min) / range;
        double v = mmr ? lambda * rel - (1 - lambda) * maxSim[i] : rel;
        if (v > bestValue || (v == bestValue && best >= 0 && c.id(i) < c.id(best))) {
          best = i;
          bestValue = v;
        }
      }
      if (best < 0) {
        break; // every remaining candidate is capped
      }
      taken[best] = true;
      out[picked++] = best;
      if (values != null && values[best] != null) {
        perValue.merge(values[best], 1, Integer::sum);
      }
      if (mmr && unit[best] != null) {
        float[] e = unit[best];
        for (int i = 0; i < n; i++) {
          if (!taken[i] && unit[i] != null) {
            double s = dot(e, unit[i]);
            if (s > maxSim[i]) {
              maxSim[i] = s;
            }
          }
        }
      }
    }
    return picked == out.length ? out : java.util.Arrays.copyOf(out, picked);
  }

  private float[][] unitEmbeddings(Candidates c) {
    float[][] unit = new float[c.size()][];
    int dim = -1;
    for (int i = 0; i < unit.length; i++) {
      float[] e = embeddings.apply(c.id(i));
      if (e == null) {
        continue; // no embedding: similar to nothing
      }
      if (dim < 0) {
        dim = e.length;
      } else if (e.length != dim) {
        throw new IllegalStateException(
            "selector '" + name + "': embedding of item " + c.id(i) + " has " + e.length
                + " components, others have " + dim);
      }
      double norm = 0;
      for (float x : e) {
        norm += (double) x * x;
      }
      if (!(norm > 0) || !Double.isFinite(norm)) {
        continue;
      }
      float inv = (float) (1 / Math.sqrt(norm));
      float[] u = new float[e.length];
      for (int d = 0; d < u.length; d++) {
        u[d] = e[d] * inv;
      }
      unit[i] = u;
    }
    return unit;
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
