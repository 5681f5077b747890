package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DiversitySelectorTest {

  private static final Query QUERY = Query.of(Request.forUser("u").build(), Deadline.none());

  /** Items 1..6: 1-3 are near-duplicates pointing one way, 4-6 another way; scores fall with id. */
  private static final Map<Long, float[]> EMB =
      Map.of(
          1L, new float[] {1, 0}, 2L, new float[] {1, 0.01f}, 3L, new float[] {1, 0.02f},
          4L, new float[] {0, 1}, 5L, new float[] {0.01f, 1}, 6L, new float[] {0.02f, 1});

  private static Candidates scored() {
    return Candidates.of("s", new long[] {1, 2, 3, 4, 5, 6}, new float[6])
        .withScores(new float[] {1.0f, 0.95f, 0.9f, 0.6f, 0.55f, 0.5f});
  }

  private static long[] ids(Candidates c, int[] rows) {
    return IntStream.of(rows).mapToLong(c::id).toArray();
  }

  @Test
  void withoutMmr_isTopK() {
    Candidates c = scored();
    assertThat(ids(c, DiversitySelector.builder("d").build().select(QUERY, c, 3))).containsExactly(1, 2, 3);
  }

  @Test
  void mmr_picksDiverseItems_overNearDuplicates() {
    Candidates c = scored();
    DiversitySelector mmr = DiversitySelector.builder("mmr").mmr(0.5, EMB::get).build();

    long[] got = ids(c, mmr.select(QUERY, c, 2));

    assertThat(got).containsExactly(1, 4);
  }

  @Test
  void caps_holdPerAttributeValue() {
    Candidates c = scored();
    DiversitySelector capped =
        DiversitySelector.builder("cap").cap(id -> id <= 3 ? "drama" : "comedy", 2).build();

    assertThat(ids(c, capped.select(QUERY, c, 5))).containsExactly(1, 2, 4, 5);
  }

  @Test
  void selection_isDeterministic_withTiesToTheSmallerId() {
    Candidates c = Candidates.of("s", new long[] {9, 3, 7}, new float[3]).withScores(new float[] {1, 1, 1});
    assertThat(ids(c, DiversitySelector.builder("d").build().select(QUERY, c, 3))).containsExactly(3, 7, 9);
  }

  @Test
  void builder_refusesBadSettings() {
    assertThatThrownBy(() -> DiversitySelector.builder("d").mmr(1.5, EMB::get))
        .hasMessage("lambda must be in [0, 1], was 1.5");
    assertThatThrownBy(() -> DiversitySelector.builder("d").cap(id -> "x", 0))
        .hasMessage("maxPerValue must be positive, was 0");
  }

  /** Plain greedy MMR, the definition, for comparison with the selector's lazy version. */
  private static long[] referenceMmr(Candidates c, double lambda, float[][] emb, int size) {
    int n = c.size();
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      min = Math.min(min, c.score(i));
      max = Math.max(max, c.score(i));
    }
    double range = max > min ? max - min : 1;
    boolean[] taken = new boolean[n];
    java.util.List<Integer> picked = new java.util.ArrayList<>();
    while (picked.size() < Math.min(size, n)) {
      int best = -1;
      double bestValue = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        if (taken[i]) {
          continue;
        }
        double maxSim = 0;
        for (int p : picked) {
          maxSim = Math.max(maxSim, cosine(emb[(int) c.id(i)], emb[(int) c.id(p)]));
        }
        double v = lambda * (c.score(i) - min) / range - (1 - lambda) * maxSim;
        if (v > bestValue || (v == bestValue && c.id(i) < c.id(best))) {
          best = i;
          bestValue = v;
        }
      }
      taken[best] = true;
      picked.add(best);
    }
    return picked.stream().mapToLong(c::id).toArray();
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int d = 0; d < a.length; d++) {
      dot += a[d] * b[d];
      na += a[d] * a[d];
      nb += b[d] * b[d];
    }
    return dot / Math.sqrt(na * nb);
  }

  @Test
  void mmr_matchesPlainGreedyMmr_onRandomData() {
    long seed = 99;
    java.util.Random rnd = new java.util.Random(seed);
    for (int trial = 0; trial < 20; trial++) {
      int n = 50 + rnd.nextInt(200);
      float[][] emb = new float[n][8];
      for (float[] e : emb) {
        for (int d = 0; d < e.length; d++) {
          e[d] = (float) rnd.nextGaussian();
        }
      }
      long[] ids = java.util.stream.LongStream.range(0, n).toArray();
      float[] scores = new float[n];
      for (int i = 0; i < n; i++) {
        scores[i] = rnd.nextInt(1000) / 1000f;
      }
      Candidates c = Candidates.of("s", ids, new float[n]).withScores(scores);
      double lambda = rnd.nextDouble();
      int size = 1 + rnd.nextInt(30);

      long[] got = ids(c, DiversitySelector.builder("mmr").mmr(lambda, id -> emb[(int) id]).build().select(QUERY, c, size));

      assertThat(got).as("seed %d, trial %d, lambda %.3f", seed, trial, lambda)
          .containsExactly(referenceMmr(c, lambda, emb, size));
    }
  }
}
