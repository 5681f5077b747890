package dev.shortlist.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shortlist.core.Degradation;
import dev.shortlist.core.Request;
import dev.shortlist.core.Response;
import dev.shortlist.core.Ticker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceWorkloadTest {

  @TempDir static Path cache;

  private static final ReferenceWorkload.Spec SMALL =
      new ReferenceWorkload.Spec(3_000, 32, 300, 200, 20, 4, "lucene-hnsw", 7);

  private static ReferenceWorkload open(Ticker ticker, StringWriter log) throws IOException {
    ReferenceWorkload.Options options = ReferenceWorkload.Options.defaults()
        .withStoreLatency(Duration.ZERO, Duration.ZERO)
        .withCacheRoot(cache);
    return ReferenceWorkload.open(SMALL, options, new SimpleMeterRegistry(), ticker,
        new PrintWriter(log, true));
  }

  @Test
  void generousBudget_servesFullResponses_fromEverySource_andCachesIndexAndModel()
      throws IOException {
    StringWriter first = new StringWriter();
    try (ReferenceWorkload w = open(Ticker.system(), first)) {
      SplittableRandom rnd = new SplittableRandom(1);
      for (int i = 0; i < 50; i++) {
        Response r = w.recommender().recommend(w.request(rnd, 20, Duration.ofSeconds(30)));
        assertThat(r.degraded()).as("%s", r.trace().degradations()).isFalse();
        assertThat(r.items()).hasSize(20);
        assertThat(r.trace().candidatesPerSource()).containsKeys("ann", "item-to-item", "trending");
        assertThat(r.trace().stageNanos()).containsKeys("user-embedding", "features", "trees", "mmr");
      }
      w.recordEvent(rnd);
      w.upsertRandomItem(rnd);
    }
    assertThat(first.toString()).contains("building Lucene HNSW").contains("training 20 trees");

    StringWriter second = new StringWriter();
    try (ReferenceWorkload w = open(Ticker.system(), second)) {
      assertThat(w.buildReport()).contains("from cache");
    }
    assertThat(second.toString()).doesNotContain("building").doesNotContain("training");
    try (var dirs = Files.list(cache)) {
      assertThat(dirs.toList()).hasSize(1);
    }
  }

  /**
   * A budget too small for ranking: responses say they degraded, and none is empty when
   * candidates survived the filters. The ticker runs 20x faster than real time, so a 2 ms budget
   * lasts 0.1 ms of real work, too little for the whole pipeline on any machine; which stages get
   * dropped is left to timing, only the contract is asserted.
   */
  @Test
  void tinyBudget_degrades_butNeverReturnsEmptyWhenCandidatesExist() throws IOException {
    long origin = System.nanoTime();
    Ticker fast = () -> origin + (System.nanoTime() - origin) * 20;
    try (ReferenceWorkload w = open(fast, new StringWriter())) {
      SplittableRandom rnd = new SplittableRandom(2);
      int withCandidates = 0;
      int degraded = 0;
      for (int i = 0; i < 300; i++) {
        Request request = w.request(rnd, 20, Duration.ofMillis(2));
        Response r = w.recommender().recommend(request);
        int removed = r.trace().removedPerFilter().values().stream().mapToInt(Integer::intValue).sum();
        int left = r.trace().mergedCandidates() - removed;
        if (left > 0) {
          withCandidates++;
          assertThat(r.items()).as("response %d with %d candidates left", i, left)
              .hasSize(Math.min(20, left));
        }
        if (r.degraded()) {
          degraded++;
          assertThat(r.trace().degradations()).allSatisfy(d -> assertThat(d.reason())
              .isIn(Degradation.Reason.TIMEOUT, Degradation.Reason.SKIPPED));
        }
      }
      System.out.printf("2 ms budget: %d of 300 degraded, %d had candidates%n", degraded, withCandidates);
      assertThat(degraded).isPositive();
    }
  }
}
