package dev.shortlist.examples.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RealTimeExampleTest {

  @Test
  void example_showsEveryChangeOnTheNextRequest_althoughTheCachesServedTheRequestBefore() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RealTimeExample.Report r =
        RealTimeExample.run(800, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String printed = bytes.toString(StandardCharsets.UTF_8);

    assertThat(r.cachedBeforeChange()).as("the request before each change hit the response cache")
        .containsOnly(true);
    assertThat(r.cachedAfterChange()).as("the request after each change was recomputed")
        .containsOnly(false);

    assertThat(r.afterEvents()).doesNotContain(r.clicked());
    assertThat(topic3(r.afterEvents())).as("items like the clicked ones")
        .isGreaterThan(topic3(r.before()));

    assertThat(r.withNewItem()[0]).isEqualTo(RealTimeExample.NEW_ITEM);
    assertThat(r.afterRemoval()).hasSize(5).doesNotContain(RealTimeExample.NEW_ITEM, r.removed());

    assertThat(r.itemFeatureCacheHits()).isPositive();
    assertThat(r.afterBoost()[0]).isEqualTo(r.boosted());
    assertThat(r.afterRemoval()[0]).isNotEqualTo(r.boosted());

    assertThat(printed).contains("before any event:", "after the clicks:", "with the new item:",
        "after the removals:", "after the boost:", "served from the response cache");
  }

  private static long topic3(long[] ids) {
    return Arrays.stream(ids).filter(id -> id % 8 == 3).count();
  }
}
