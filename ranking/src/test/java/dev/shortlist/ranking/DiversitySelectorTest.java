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
}
