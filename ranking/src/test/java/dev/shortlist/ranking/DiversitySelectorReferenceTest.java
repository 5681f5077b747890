package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.LongFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The selector's lazy greedy (a heap of upper bounds) against the plain greedy loop that defines
 * MMR, on seeded random candidate sets with tied scores, repeated items, items without
 * embeddings and, optionally, per-attribute caps.
 */
class DiversitySelectorReferenceTest {

  private static final Query QUERY = Query.of(Request.forUser("u").build(), Deadline.none());
  private static final int SEEDS = 8;

  @ParameterizedTest(name = "lambda {0}, cap {1}")
  @CsvSource({"0.5, 0", "0.8, 0", "1.0, 0", "0.5, 2", "0.8, 3", "1.0, 2"})
  void select_matchesPlainGreedyMmr(double lambda, int cap) {
    for (int seed = 1; seed <= SEEDS; seed++) {
      Random rnd = new Random(seed * 7919L + (long) (lambda * 10) * 31 + cap);
      int n = 300 + rnd.nextInt(701);
      int dim = 16 + rnd.nextInt(49); // not always a multiple of 4
      int size = 10 + rnd.nextInt(51);

      // Item ids in no particular row order, so "smaller id" and "earlier row" differ.
      Map<Long, float[]> emb = new HashMap<>();
      long[] ids = new long[n];
      float[] scores = new float[n];
      int levels = 5 + rnd.nextInt(40); // few distinct scores: many ties
      for (int i = 0; i < n; i++) {
        if (i > 0 && rnd.nextInt(25) == 0) { // the same item twice, with the same score
          int j = rnd.nextInt(i);
          ids[i] = ids[j];
          scores[i] = scores[j];
          continue;
        }
        long id;
        do {
          id = rnd.nextInt(1_000_000);
        } while (emb.containsKey(id));
        ids[i] = id;
        scores[i] = rnd.nextInt(4) == 0 ? rnd.nextFloat() : rnd.nextInt(levels) / (float) levels;
        float[] e = null;
        int kind = rnd.nextInt(10);
        if (kind >= 1) { // one in ten has no embedding
          e = new float[dim];
          if (kind >= 2) { // and one in ten a zero vector
            for (int d = 0; d < dim; d++) {
              e[d] = (float) rnd.nextGaussian();
            }
          }
        }
        emb.put(id, e);
      }
      Candidates c = Candidates.of("s", ids, new float[n]).withScores(scores);
      LongFunction<float[]> embeddings = emb::get;
      LongFunction<String> attribute = id -> id % 11 == 0 ? null : "g" + (id % 6);

      DiversitySelector.Builder b = DiversitySelector.builder("mmr").mmr(lambda, embeddings);
      if (cap > 0) {
        b.cap(attribute, cap);
      }
      long[] got = IntStream.of(b.build().select(QUERY, c, size)).mapToLong(c::id).toArray();

      long[] want = plainGreedy(c, lambda, embeddings, cap > 0 ? attribute : null, cap, size);
      assertThat(got)
          .as("seed %d: %d candidates, dim %d, size %d", seed, n, dim, size)
          .containsExactly(want);
    }
  }

  /**
   * MMR by definition: repeatedly take the candidate with the largest {@code λ · rel − (1 − λ) ·
   * maxSim} (rel = (score − min) / range, maxSim = the largest cosine to an item already picked,
   * at least 0; ties to the smaller id), skipping candidates whose attribute value is full.
   * O(size × n × d). Similarities use the selector's float arithmetic (unit vectors normalised
   * with a double norm, dot products in four float partial sums) so that near-ties come out the
   * same way; what is compared is the search, not the rounding. Returns item ids.
   */
  private static long[] plainGreedy(
      Candidates c, double lambda, LongFunction<float[]> embeddings, LongFunction<String> attribute,
      int cap, int size) {
    int n = c.size();
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      min = Math.min(min, c.score(i));
      max = Math.max(max, c.score(i));
    }
    double range = max > min ? max - min : 1;
    float[][] unit = new float[n][];
    if (lambda < 1) {
      for (int i = 0; i < n; i++) {
        unit[i] = unitVector(embeddings.apply(c.id(i)));
      }
    }
    double[] maxSim = new double[n];
    boolean[] taken = new boolean[n];
    Map<String, Integer> perValue = new HashMap<>();
    int want = Math.min(size, n);
    long[] out = new long[want];
    int picked = 0;
    while (picked < want) {
      int best = -1;
      double bestValue = 0;
      for (int i = 0; i < n; i++) {
        if (taken[i]) {
          continue;
        }
        String value = attribute == null ? null : attribute.apply(c.id(i));
        if (value != null && perValue.getOrDefault(value, 0) >= cap) {
          continue;
        }
        double rel = (c.score(i) - min) / range;
        double v = lambda < 1 ? lambda * rel - (1 - lambda) * maxSim[i] : rel;
        int byValue = best < 0 ? 1 : Double.compare(v, bestValue);
        if (byValue > 0 || (byValue == 0 && c.id(i) < c.id(best))) {
          best = i;
          bestValue = v;
        }
      }
      if (best < 0) {
        break; // everything left is capped
      }
      taken[best] = true;
      out[picked++] = c.id(best);
      String value = attribute == null ? null : attribute.apply(c.id(best));
      if (value != null) {
        perValue.merge(value, 1, Integer::sum);
      }
      if (unit[best] != null) {
        for (int i = 0; i < n; i++) {
          if (!taken[i] && unit[i] != null) {
            double sim = dot(unit[i], unit[best]);
            if (sim > maxSim[i]) {
              maxSim[i] = sim;
            }
          }
        }
      }
    }
    return java.util.Arrays.copyOf(out, picked);
  }

  private static float[] unitVector(float[] e) {
    if (e == null) {
      return null;
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
    return u;
  }

  private static double dot(float[] a, float[] b) {
    float[] s = new float[4];
    int d = 0;
    for (; d + 3 < a.length; d += 4) {
      for (int k = 0; k < 4; k++) {
        s[k] += a[d + k] * b[d + k];
      }
    }
    for (; d < a.length; d++) {
      s[0] += a[d] * b[d];
    }
    return (double) s[0] + s[1] + s[2] + s[3];
  }
}
