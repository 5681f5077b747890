package dev.shortlist.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

  @Test
  void request_refusesBadValuesNamingThem() {
    assertThatThrownBy(() -> Request.forUser("u").size(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("size must be in [1, 10000], was 0");
    assertThatThrownBy(() -> Request.forUser("u").size(-3).build())
        .hasMessageContaining("was -3");
    assertThatThrownBy(() -> Request.forUser(null).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("userId must not be null");
    assertThatThrownBy(() -> Request.forUser("  ").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("userId");
    assertThatThrownBy(() -> Request.forUser("u").budget(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("budget must be positive, was PT0S");
  }

  @Test
  void request_copiesContext() {
    Map<String, String> ctx = new java.util.HashMap<>(Map.of("device", "tv"));
    Request r = new Request("u", ctx, 5, IdSet.empty(), Duration.ofMillis(10));
    ctx.put("device", "phone");
    assertThat(r.context()).containsEntry("device", "tv");
  }

  @Test
  void interaction_refusesNonFiniteWeightAndNullIds() {
    assertThatThrownBy(() -> new Interaction("u", 1, "click", Float.NaN, Instant.EPOCH))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight must be finite, was NaN");
    assertThatThrownBy(() -> new Interaction(null, 1, "click", 1, Instant.EPOCH))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("userId must not be null");
    assertThatThrownBy(() -> new Interaction("u", 1, "", 1, Instant.EPOCH))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kind");
  }

  @Test
  void idSet_isSortedUniqueAndAnswersContains() {
    long seed = 42;
    Random rnd = new Random(seed);
    long[] raw = rnd.longs(500, -1000, 1000).toArray();
    IdSet set = IdSet.of(raw);
    long[] expected = Arrays.stream(raw).distinct().sorted().toArray();
    assertThat(set.toArray()).as("seed %d", seed).containsExactly(expected);
    for (long id = -1000; id < 1000; id++) {
      assertThat(set.contains(id)).isEqualTo(Arrays.binarySearch(expected, id) >= 0);
    }
    assertThat(set.union(IdSet.of(5000)).size()).isEqualTo(expected.length + 1);
  }

  @Test
  void idSet_refusesNullIds() {
    assertThatThrownBy(() -> IdSet.copyOf(Arrays.asList(1L, null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ids must not contain null (at position 1)");
  }

  @Test
  void candidates_refuseNonFiniteScoresAndMismatchedColumns() {
    assertThatThrownBy(() -> Candidates.of("a", new long[] {1, 2}, new float[] {1, Float.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retrievalScore must be finite, was NaN for item 2");
    assertThatThrownBy(() -> Candidates.of("a", new long[] {1, 2}, new float[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ids has 2 entries, retrievalScores has 1");
    Candidates c = Candidates.of("a", new long[] {1, 2}, new float[] {1, 2});
    assertThatThrownBy(() -> c.withScores(new float[] {1, Float.POSITIVE_INFINITY}))
        .hasMessageContaining("returned score Infinity for row 1 (item 2)");
  }

  @Test
  void candidates_mergeKeepsFirstSeenOrderAndBestScore() {
    Candidates a = Candidates.of("a", new long[] {5, 6, 5}, new float[] {0.1f, 0.2f, 0.3f});
    Candidates b = Candidates.of("b", new long[] {6, 7}, new float[] {0.9f, 0.1f});

    Candidates m = Candidates.merge(List.of(a, b));

    assertThat(m.ids()).containsExactly(5, 6, 7);
    assertThat(m.retrievalScore(0)).isEqualTo(0.3f);
    assertThat(m.source(0)).isEqualTo("a");
    assertThat(m.source(1)).isEqualTo("b");
    assertThat(m.retrievalScore(1)).isEqualTo(0.9f);
    assertThat(m.sourceNames()).containsExactly("a", "b");
  }

  @Test
  void candidates_mergeOfManyRandomIds_keepsEveryIdOnce() {
    long seed = 7;
    Random rnd = new Random(seed);
    Candidates.Builder a = Candidates.builder("a");
    Candidates.Builder b = Candidates.builder("b");
    for (int i = 0; i < 5000; i++) {
      a.add(rnd.nextInt(3000), rnd.nextFloat());
      b.add(rnd.nextInt(3000), rnd.nextFloat());
    }
    Candidates ca = a.build();
    Candidates cb = b.build();
    Candidates m = Candidates.merge(List.of(ca, cb));
    long distinct =
        java.util.stream.LongStream.concat(
                Arrays.stream(ca.ids()), Arrays.stream(cb.ids()))
            .distinct()
            .count();
    assertThat(m.size()).as("seed %d", seed).isEqualTo((int) distinct);
    assertThat(Arrays.stream(m.ids()).distinct().count()).isEqualTo(distinct);
  }

  @Test
  void featureMatrix_checksShapeAndValues() {
    FeatureSchema schema = FeatureSchema.of("a", "b");
    assertThatThrownBy(() -> FeatureMatrix.wrap(schema, new float[5], 2))
        .hasMessageContaining("values has 5 floats, expected rows × features = 2 × 2 = 4");
    assertThatThrownBy(() -> FeatureMatrix.wrap(schema, new float[] {0, 0, Float.NEGATIVE_INFINITY, 0}, 2))
        .hasMessageContaining("feature 'a' of row 1 is -Infinity");
    assertThat(FeatureMatrix.wrap(schema, new float[] {0, 0, Float.NaN, 0}, 2).get(1, 0)).isNaN();
    assertThatThrownBy(() -> FeatureSchema.of("a", "a"))
        .hasMessageContaining("duplicate feature name 'a' at 1");
    FeatureMatrix m = FeatureMatrix.wrap(schema, new float[] {1, 2, 3, 4}, 2);
    assertThat(m.get(1, 0)).isEqualTo(3);
    assertThat(schema.indexOf("b")).isEqualTo(1);
  }

  @Test
  void userActivity_keepsNewestFirstByTimestamp_boundedInLength() {
    UserActivity a = UserActivity.empty("u");
    long version = 0;
    a = a.with(new Interaction("u", 1, "v", 1, Instant.ofEpochSecond(10)), 3, ++version);
    a = a.with(new Interaction("u", 2, "v", 1, Instant.ofEpochSecond(30)), 3, ++version);
    a = a.with(new Interaction("u", 3, "v", 1, Instant.ofEpochSecond(20)), 3, ++version);
    a = a.with(new Interaction("u", 4, "v", 1, Instant.ofEpochSecond(40)), 3, ++version);
    a = a.with(new Interaction("u", 5, "v", 1, Instant.ofEpochSecond(5)), 3, ++version);

    assertThat(a.recent()).extracting(Interaction::itemId).containsExactly(4L, 2L, 3L);
    assertThat(a.items().toArray()).containsExactly(2, 3, 4);
    assertThat(a.version()).isEqualTo(5);
  }

  @Test
  void deadline_expiresOnTheInjectedTicker() {
    ManualTicker t = new ManualTicker();
    Deadline d = Deadline.after(Duration.ofMillis(100), t);
    assertThat(d.isExpired()).isFalse();
    Deadline half = d.fractionOfRemaining(0.5);
    t.advance(Duration.ofMillis(50));
    assertThat(half.isExpired()).isTrue();
    assertThat(d.isExpired()).isFalse();
    t.advance(Duration.ofMillis(50));
    assertThat(d.isExpired()).isTrue();
    assertThatThrownBy(() -> d.check("search"))
        .isInstanceOf(DeadlineExceededException.class)
        .hasMessageContaining("search passed its deadline");
    assertThat(Deadline.none().isExpired()).isFalse();
  }
}
