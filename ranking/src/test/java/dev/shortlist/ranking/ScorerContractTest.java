package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import dev.shortlist.core.Scorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Scorer} must keep, as a kit: extend it, say how to build the scorer
 * and over which schema, and it checks one finite score per row in row order, independence from
 * the other rows, and thread safety.
 */
abstract class ScorerContractTest {

  protected final long seed = Long.getLong("shortlist.test.seed", 0x5C0_2026L);

  static final Query QUERY = Query.of(Request.forUser("u").build(), Deadline.none());

  /** The features the scorer is given. */
  protected abstract FeatureSchema schema();

  /** The scorer under test. */
  protected abstract Scorer scorer() throws Exception;

  /** A feature value for row generation; override for models with a narrow valid domain. */
  protected float randomFeature(Random rnd, String feature) {
    return (float) (rnd.nextGaussian() * 2);
  }

  Candidates randomCandidates(Random rnd, int n) {
    FeatureSchema schema = schema();
    float[] x = new float[n * schema.size()];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < schema.size(); c++) {
        x[r * schema.size() + c] = randomFeature(rnd, schema.names().get(c));
      }
    }
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = 1_000 + i;
    }
    return Candidates.of("s", ids, new float[n]).withFeatures(FeatureMatrix.wrap(schema, x, n));
  }

  /** The candidates' rows in the order {@code perm}. */
  static Candidates permuted(Candidates c, int[] perm) {
    FeatureMatrix m = c.features();
    int cols = m.columns();
    float[] x = new float[perm.length * cols];
    long[] ids = new long[perm.length];
    for (int i = 0; i < perm.length; i++) {
      System.arraycopy(m.array(), perm[i] * cols, x, i * cols, cols);
      ids[i] = c.id(perm[i]);
    }
    return Candidates.of("s", ids, new float[perm.length])
        .withFeatures(FeatureMatrix.wrap(m.schema(), x, perm.length));
  }

  @Test
  void score_returnsOneFiniteScorePerRow() throws Exception {
    Random rnd = new Random(seed);
    for (int n : new int[] {1, 7, 300}) {
      float[] s = scorer().score(QUERY, randomCandidates(rnd, n));
      assertThat(s).as("seed %d, %d rows", seed, n).hasSize(n);
      for (float v : s) {
        assertThat(Float.isFinite(v)).as("seed %d", seed).isTrue();
      }
    }
  }

  @Test
  void score_ofNoCandidates_isEmpty() throws Exception {
    FeatureSchema schema = schema();
    Candidates none =
        Candidates.of("s", new long[0], new float[0]).withFeatures(FeatureMatrix.wrap(schema, new float[0], 0));
    assertThat(scorer().score(QUERY, none)).isEmpty();
  }

  @Test
  void score_followsRowOrder_andDoesNotDependOnOtherRows() throws Exception {
    Random rnd = new Random(seed);
    Candidates c = randomCandidates(rnd, 50);
    Scorer scorer = scorer();
    float[] base = scorer.score(QUERY, c);
    int[] perm = new int[50];
    for (int i = 0; i < 50; i++) {
      perm[i] = 49 - i;
    }
    float[] reversed = scorer.score(QUERY, permuted(c, perm));
    for (int i = 0; i < 50; i++) {
      assertThat(reversed[i]).as("seed %d, row %d", seed, i).isEqualTo(base[perm[i]]);
    }
    float[] single = scorer.score(QUERY, permuted(c, new int[] {17}));
    assertThat(single[0]).isEqualTo(base[17]);
  }

  @Test
  void score_concurrently_givesTheSameScoresAsAlone() throws Exception {
    Random rnd = new Random(seed);
    Scorer scorer = scorer();
    List<Candidates> inputs = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Candidates c = randomCandidates(rnd, 200);
      inputs.add(c);
      expected.add(scorer.score(QUERY, c));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> results = new ArrayList<>();
      for (int round = 0; round < 10; round++) {
        for (Candidates c : inputs) {
          results.add(pool.submit(() -> scorer.score(QUERY, c)));
        }
      }
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.get(i).get()).as("seed %d, task %d", seed, i)
            .containsExactly(expected.get(i % inputs.size()));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
