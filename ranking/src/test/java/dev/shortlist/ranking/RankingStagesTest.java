package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.CandidateSource;
import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Recommender;
import dev.shortlist.core.Request;
import dev.shortlist.core.Response;
import java.time.Duration;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RankingStagesTest {

  private static final Query QUERY = Query.of(Request.forUser("u").build(), Deadline.none());

  @Test
  void topK_matchesAFullSort_withTiesBrokenBySmallerId() {
    long seed = 11;
    Random rnd = new Random(seed);
    for (int trial = 0; trial < 50; trial++) {
      int n = 1 + rnd.nextInt(300);
      Candidates.Builder b = Candidates.builder("s");
      for (int i = 0; i < n; i++) {
        b.add(rnd.nextInt(1000), 0); // duplicates are fine here
      }
      Candidates c = b.build();
      float[] scores = new float[n];
      for (int i = 0; i < n; i++) {
        scores[i] = rnd.nextInt(20); // many ties
      }
      Candidates scored = c.withScores(scores);
      int size = 1 + rnd.nextInt(40);

      int[] got = TopKSelector.create().select(QUERY, scored, size);

      int[] expected =
          IntStream.range(0, n)
              .boxed()
              .sorted(
                  Comparator.<Integer>comparingDouble(r -> -scored.score(r))
                      .thenComparingLong(scored::id))
              .limit(size)
              .mapToInt(Integer::intValue)
              .toArray();
      long[] gotIds = IntStream.of(got).mapToLong(scored::id).toArray();
      long[] expectedIds = IntStream.of(expected).mapToLong(scored::id).toArray();
      assertThat(gotIds).as("seed %d trial %d", seed, trial).containsExactly(expectedIds);
      assertThat(IntStream.of(got).distinct().count()).isEqualTo(got.length);
    }
  }

  @Test
  void linear_computesBiasPlusWeightedSum_andOptionalLogistic() {
    FeatureSchema schema = FeatureSchema.of("b", "a", "unused");
    Candidates c =
        Candidates.of("s", new long[] {1, 2}, new float[] {0, 0})
            .withFeatures(FeatureMatrix.wrap(schema, new float[] {1, 2, 9, -1, 0.5f, 9}, 2));
    LinearScorer linear = LinearScorer.builder("lin").bias(0.5f).weight("a", 2).weight("b", -1).build();

    assertThat(linear.score(QUERY, c)).containsExactly(0.5f + 4 - 1, 0.5f + 1 + 1);
    assertThat(linear.requiredFeatures()).containsExactly("a", "b");

    LinearScorer logit = LinearScorer.builder("p").weight("a", 1).logistic(true).build();
    assertThat(logit.score(QUERY, c)[0]).isCloseTo((float) (1 / (1 + Math.exp(-2))), org.assertj.core.data.Offset.offset(1e-6f));
  }

  @Test
  void linear_refusesMissingFeaturesAndBadWeights() {
    Candidates c =
        Candidates.of("s", new long[] {1}, new float[] {0})
            .withFeatures(FeatureMatrix.wrap(FeatureSchema.of("x"), new float[] {1}, 1));
    LinearScorer linear = LinearScorer.builder("lin").weight("y", 1).build();
    assertThatThrownBy(() -> linear.score(QUERY, c))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs feature 'y'");
    Candidates missing =
        Candidates.of("s", new long[] {1, 2}, new float[] {0, 0})
            .withFeatures(FeatureMatrix.wrap(FeatureSchema.of("y"), new float[] {1, Float.NaN}, 2));
    assertThatThrownBy(() -> linear.score(QUERY, missing))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("feature 'y' is missing (NaN) in row 1");
    assertThatThrownBy(() -> LinearScorer.builder("lin").weight("a", Float.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("weight of feature 'a' must be finite, was NaN");
    assertThatThrownBy(() -> LinearScorer.builder("lin").weight("a", 1).weight("a", 2))
        .hasMessageContaining("feature 'a' already has a weight");
    assertThatThrownBy(() -> LinearScorer.builder("lin").build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void featureAssembly_fillsColumnsInOrder_andDefaultsMissingValues() throws Exception {
    FeatureAssembly fa =
        FeatureAssembly.builder("features")
            .feature("retrieval", (q, c, r) -> c.retrievalScore(r))
            .feature("id-parity", -1f, (q, c, r) -> c.id(r) % 2 == 0 ? Float.NaN : 1f)
            .build();
    Candidates c = Candidates.of("s", new long[] {1, 2}, new float[] {0.3f, 0.7f});

    FeatureMatrix m = fa.assemble(QUERY, c);

    assertThat(m.schema().names()).containsExactly("retrieval", "id-parity");
    assertThat(m.array()).containsExactly(0.3f, 1f, 0.7f, -1f);
    assertThatThrownBy(() -> FeatureAssembly.builder("f").feature("a", (q, x, r) -> 0).feature("a", (q, x, r) -> 0))
        .hasMessageContaining("duplicate feature name 'a'");
  }

  @Test
  void pipeline_withAssemblyLinearAndTopK_ranksByTheModel() {
    CandidateSource source =
        new CandidateSource() {
          @Override
          public String name() {
            return "s";
          }

          @Override
          public Candidates retrieve(Query q) {
            return Candidates.of("s", new long[] {10, 20, 30}, new float[] {0.9f, 0.5f, 0.1f});
          }
        };
    try (Recommender r =
        Recommender.builder()
            .source(source)
            .features(
                FeatureAssembly.builder("features")
                    .feature("retrieval", (q, c, row) -> c.retrievalScore(row))
                    .feature("id", (q, c, row) -> c.id(row))
                    .build())
            .scorer(LinearScorer.builder("lin").weight("id", 1).weight("retrieval", -100).build())
            .selector(TopKSelector.create())
            .build()) {
      // A generous budget: this checks the ranking, and a cold JVM on a loaded machine can take
      // longer than the default 100 ms for a first request.
      Response resp = r.recommend(Request.forUser("u").size(2).budget(Duration.ofMinutes(1)).build());
      // scores: 10-90=-80, 20-50=-30, 30-10=20
      assertThat(resp.ids()).containsExactly(30, 20);
      assertThat(resp.degraded()).isFalse();
    }
  }
}
