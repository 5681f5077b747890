package dev.shortlist.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SplitTest {

  /** 30 users with 1 to 40 interactions each, at shuffled times, in shuffled row order. */
  private static Interactions log(long seed, boolean timed) {
    Random rnd = new Random(seed);
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 30; u++) {
      int n = 1 + rnd.nextInt(40);
      for (int i = 0; i < n; i++) {
        rows.add(new Object[] {"u" + u, (long) (u * 1000 + i), (long) rnd.nextInt(1_000_000)});
      }
    }
    java.util.Collections.shuffle(rows, rnd);
    String[] users = new String[rows.size()];
    long[] items = new long[rows.size()];
    long[] times = new long[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      users[i] = (String) rows.get(i)[0];
      items[i] = (Long) rows.get(i)[1];
      times[i] = (Long) rows.get(i)[2];
    }
    return Interactions.of(users, items, null, timed ? times : null);
  }

  @Test
  void temporal_holdsOutEachUsersLatestInteractions() {
    Interactions log = log(7, true);
    Split split = Split.temporal(log, 0.25);

    Map<String, Long> latestTrain = new HashMap<>();
    Interactions train = split.train();
    for (int i = 0; i < train.size(); i++) {
      latestTrain.merge(train.user(i), train.time(i), Math::max);
    }
    Map<Long, Long> timeOf = new HashMap<>();
    for (int i = 0; i < log.size(); i++) {
      timeOf.put(log.item(i), log.time(i));
    }
    assertThat(split.heldOut()).isNotEmpty();
    for (Map.Entry<String, long[]> e : split.heldOut().entrySet()) {
      for (long item : e.getValue()) {
        assertThat(timeOf.get(item))
            .as("held-out item %d of %s is not before its training items", item, e.getKey())
            .isGreaterThanOrEqualTo(latestTrain.get(e.getKey()));
      }
    }
  }

  @Test
  void split_holdsOutRoundedShare_keepsAtLeastOneTrainingInteraction_andSingletonsInTraining() {
    Interactions log = log(3, true);
    Split split = Split.temporal(log, 0.25);
    Map<String, int[]> byUser = log.rowsByUser();
    Map<String, int[]> trainByUser = split.train().rowsByUser();
    for (Map.Entry<String, int[]> e : byUser.entrySet()) {
      int n = e.getValue().length;
      int expectedHeld = n < 2 ? 0 : (int) Math.min(n - 1, Math.max(1, Math.round(0.25 * n)));
      assertThat(trainByUser.get(e.getKey())).hasSize(n - expectedHeld);
      assertThat(split.heldOut().containsKey(e.getKey())).isEqualTo(expectedHeld > 0);
      if (expectedHeld > 0) {
        assertThat(split.heldOut().get(e.getKey())).hasSize(expectedHeld);
      }
    }
    assertThat(split.train().size() + split.heldOutCount()).isEqualTo(log.size());
  }

  @Test
  void random_isReproducibleWithItsSeed_andDiffersWithAnother() {
    Interactions log = log(11, false);
    Split a = Split.random(log, 0.3, 42);
    Split b = Split.random(log, 0.3, 42);
    Split c = Split.random(log, 0.3, 43);
    assertThat(a.heldOut().keySet()).isEqualTo(b.heldOut().keySet());
    a.heldOut().forEach((u, items) -> assertThat(b.heldOut().get(u)).containsExactly(items));
    boolean differs = a.heldOut().entrySet().stream()
        .anyMatch(e -> !java.util.Arrays.equals(e.getValue(), c.heldOut().get(e.getKey())));
    assertThat(differs).as("another seed holds out other items").isTrue();
    assertThat(a.kind()).isEqualTo("random");
  }

  @Test
  void of_choosesTemporalWithTimes_andRandomWithout() {
    assertThat(Split.of(log(1, true), 0.2, 1).kind()).isEqualTo("temporal");
    assertThat(Split.of(log(1, false), 0.2, 1).kind()).isEqualTo("random");
  }

  @Test
  void badArguments_areRefusedWithTheirValues() {
    assertThatThrownBy(() -> Split.random(log(1, false), 1.0, 1))
        .hasMessage("holdout must be in (0, 1), was 1.0");
    assertThatThrownBy(() -> Split.temporal(log(1, true), 0))
        .hasMessage("holdout must be in (0, 1), was 0.0");
    assertThatThrownBy(() -> Split.temporal(log(1, false), 0.2))
        .hasMessageContaining("needs a time column");
  }
}
