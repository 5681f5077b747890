package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.DeadlineExceededException;
import dev.shortlist.core.IdSet;
import dev.shortlist.core.Query;
import dev.shortlist.core.QueryKey;
import dev.shortlist.core.Request;
import dev.shortlist.core.UserActivity;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmbeddingSourceTest {

  private static final long SEED = Long.getLong("shortlist.test.seed", 0x5EED_2026L);
  private static final int DIM = 8;

  private final ExactIndex index = ExactIndex.create(DIM, Metric.DOT);
  private final Random random = new Random(SEED);

  EmbeddingSourceTest() {
    for (long id = 0; id < 200; id++) {
      index.upsert(id, VectorIndexContractTest.gaussian(random, DIM));
    }
  }

  private static Query query(Request request, Deadline deadline, Map<QueryKey<?>, ?> values) {
    return Query.of(request, deadline, UserActivity.empty(request.userId()), values);
  }

  private static Query query(float[] embedding, long... exclusions) {
    Request request = Request.forUser("u1").exclude(exclusions).build();
    return query(request, Deadline.none(), Map.of(QueryKey.USER_EMBEDDING, embedding));
  }

  @Test
  void retrieve_withoutAnEmbedding_returnsNoCandidates() {
    EmbeddingSource source = EmbeddingSource.builder("ann", index).build();

    Candidates got = source.retrieve(Query.of(Request.forUser("u1").build(), Deadline.none()));

    assertThat(got.isEmpty()).isTrue();
  }

  @Test
  void retrieve_returnsTheIndexNeighboursInOrder_withTheirScores() {
    EmbeddingSource source = EmbeddingSource.builder("ann", index).k(25).build();
    float[] embedding = VectorIndexContractTest.gaussian(random, DIM);
    Neighbors expected = index.search(embedding, 25);

    Candidates got = source.retrieve(query(embedding));

    assertThat(got.size()).isEqualTo(25);
    assertThat(got.ids()).containsExactly(expected.ids());
    for (int row = 0; row < got.size(); row++) {
      assertThat(got.retrievalScore(row)).as("row %d", row).isEqualTo(expected.score(row));
      assertThat(got.source(row)).as("row %d", row).isEqualTo("ann");
    }
  }

  @Test
  void retrieve_withExclusions_neverReturnsExcludedIdsAndStillFillsK() {
    EmbeddingSource source = EmbeddingSource.builder("ann", index).k(10).build();
    float[] embedding = VectorIndexContractTest.gaussian(random, DIM);
    long[] top20 = index.search(embedding, 20).ids();

    Candidates got = source.retrieve(query(embedding, top20));

    assertThat(got.size()).isEqualTo(10);
    assertThat(got.ids()).doesNotContain(top20);
    assertThat(got.ids()).containsExactly(
        index.search(embedding, 10, IdSet.of(top20), Deadline.none()).ids());
  }

  @Test
  void retrieve_readsTheConfiguredKey() {
    QueryKey<float[]> itemKey = QueryKey.of("seed-item-embedding", float[].class);
    EmbeddingSource source =
        EmbeddingSource.builder("i2i", index).k(5).embeddingKey(itemKey).build();
    float[] embedding = VectorIndexContractTest.gaussian(random, DIM);
    Request request = Request.forUser("u1").build();

    Candidates withUserKey = source.retrieve(query(embedding));
    Candidates withItemKey =
        source.retrieve(query(request, Deadline.none(), Map.of(itemKey, embedding)));

    assertThat(withUserKey.isEmpty()).isTrue();
    assertThat(withItemKey.ids()).containsExactly(index.search(embedding, 5).ids());
  }

  @Test
  void retrieve_withAnEmbeddingTheIndexRefuses_throwsIllegalStateNamingTheSource() {
    EmbeddingSource source = EmbeddingSource.builder("ann", index).build();

    assertThatThrownBy(() -> source.retrieve(query(new float[DIM + 1])))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'ann'")
        .hasMessageContaining("dimension mismatch")
        .hasCauseInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void retrieve_pastTheDeadline_throwsDeadlineExceeded() {
    EmbeddingSource source = EmbeddingSource.builder("ann", index).build();
    ManualTicker ticker = new ManualTicker();
    Deadline deadline = Deadline.after(Duration.ofMillis(5), ticker);
    ticker.advance(Duration.ofMillis(6));
    Request request = Request.forUser("u1").build();
    float[] embedding = VectorIndexContractTest.gaussian(random, DIM);

    assertThatThrownBy(() ->
            source.retrieve(query(request, deadline, Map.of(QueryKey.USER_EMBEDDING, embedding))))
        .isInstanceOf(DeadlineExceededException.class);
  }

  @Test
  void builder_defaults_areUserEmbeddingAnd500() {
    EmbeddingSource source = EmbeddingSource.builder("ann", index).build();

    assertThat(source.name()).isEqualTo("ann");
    assertThat(source.k()).isEqualTo(EmbeddingSource.DEFAULT_K).isEqualTo(500);
    assertThat(source.embeddingKey()).isSameAs(QueryKey.USER_EMBEDDING);
    assertThat(source.index()).isSameAs(index);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  "})
  void builder_withBlankName_throwsNamingIt(String name) {
    assertThatThrownBy(() -> EmbeddingSource.builder(name, index))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be blank, was '" + name + "'");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -3, 100_001})
  void builder_withKOutOfRange_throwsNamingIt(int k) {
    EmbeddingSource.Builder builder = EmbeddingSource.builder("ann", index);

    assertThatThrownBy(() -> builder.k(k))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("k must be in [1, 100000], was " + k);
  }

  @Test
  void builder_withNulls_throwsNpeNamingTheParameter() {
    assertThatThrownBy(() -> EmbeddingSource.builder(null, index))
        .isInstanceOf(NullPointerException.class).hasMessage("name");
    assertThatThrownBy(() -> EmbeddingSource.builder("ann", null))
        .isInstanceOf(NullPointerException.class).hasMessage("index");
    assertThatThrownBy(() -> EmbeddingSource.builder("ann", index).embeddingKey(null))
        .isInstanceOf(NullPointerException.class).hasMessage("embeddingKey");
  }
}
