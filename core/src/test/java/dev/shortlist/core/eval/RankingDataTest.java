package dev.shortlist.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.FeatureSchema;
import org.junit.jupiter.api.Test;

class RankingDataTest {

  private static final FeatureSchema AB = FeatureSchema.of("a", "b");

  /** Three groups of 2, 1 and 3 rows; feature a of row r is r, b is 10 + r; label r % 2. */
  private static RankingData threeGroups() {
    float[] f = new float[6 * 2];
    float[] y = new float[6];
    for (int r = 0; r < 6; r++) {
      f[2 * r] = r;
      f[2 * r + 1] = 10 + r;
      y[r] = r % 2;
    }
    return new RankingData(AB, f, y, new int[] {2, 1, 3});
  }

  @Test
  void groups_keepsTheChosenGroupsRowsInOrder() {
    RankingData d = threeGroups().groups(g -> g != 1);

    assertThat(d.groups()).containsExactly(2, 3);
    assertThat(d.groupCount()).isEqualTo(2);
    assertThat(d.labels()).containsExactly(0, 1, 1, 0, 1);
    assertThat(d.features()).containsExactly(0, 10, 1, 11, 3, 13, 4, 14, 5, 15);
  }

  @Test
  void groups_noneKept_isEmpty() {
    RankingData d = threeGroups().groups(g -> false);

    assertThat(d.rows()).isZero();
    assertThat(d.groupCount()).isZero();
  }

  @Test
  void concat_appendsTheOtherGroups_andFoldsPartitionTheData() {
    RankingData all = threeGroups();
    RankingData rejoined = all.groups(g -> g % 2 == 0).concat(all.groups(g -> g % 2 == 1));

    assertThat(rejoined.groups()).containsExactly(2, 3, 1);
    assertThat(rejoined.labels()).containsExactly(0, 1, 1, 0, 1, 0);
    assertThat(rejoined.features()).startsWith(0, 10, 1, 11, 3, 13).endsWith(2, 12);
  }

  @Test
  void concat_otherSchema_isRefusedNamingBoth() {
    RankingData other = new RankingData(FeatureSchema.of("c"), new float[] {1}, new float[] {1},
        new int[] {1});

    assertThatThrownBy(() -> threeGroups().concat(other))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[c]").hasMessageContaining("a");
  }
}
