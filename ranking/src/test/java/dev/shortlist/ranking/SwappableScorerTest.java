package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Scorer;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SwappableScorerTest extends ScorerContractTest {

  @Override
  protected FeatureSchema schema() {
    return FeatureSchema.of("a", "b");
  }

  @Override
  protected Scorer scorer() {
    return SwappableScorer.create("model", schema(), LinearScorer.builder("v1").weight("a", 1).build());
  }

  /** A model that scores every row with a constant, to tell versions apart. */
  private static Scorer constant(String name, float value) {
    return new Scorer() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public float[] score(Query q, Candidates c) {
        float[] s = new float[c.size()];
        java.util.Arrays.fill(s, value);
        return s;
      }
    };
  }

  @Test
  void swap_ofAValidModel_servesIt_andAFailedLoadKeepsTheOldOne() {
    SwappableScorer s = SwappableScorer.create("model", schema(), constant("v1", 1));

    SwappableScorer.Swap bad = s.swap(() -> {
      throw new IOException("truncated model file models/v2.json at byte 120");
    });
    assertThat(bad.swapped()).isFalse();
    assertThat(bad.reason()).contains("truncated model file models/v2.json at byte 120");
    assertThat(s.current().name()).isEqualTo("v1");

    SwappableScorer.Swap wrongFeatures =
        s.swap(() -> LinearScorer.builder("v2").weight("c", 1).build());
    assertThat(wrongFeatures.swapped()).isFalse();
    assertThat(wrongFeatures.reason()).contains("reads feature 'c', which the schema [a, b] lacks");

    SwappableScorer.Swap nan = s.swap(() -> constant("v2", Float.NaN));
    assertThat(nan.swapped()).isFalse();
    assertThat(nan.reason()).contains("returned NaN on the probe");

    SwappableScorer.Swap good = s.swap(() -> constant("v3", 3));
    assertThat(good.swapped()).isTrue();
    assertThat(s.current().name()).isEqualTo("v3");
  }

  @Test
  void swap_underConcurrentScoring_neverMixesModelsWithinARequest() throws Exception {
    SwappableScorer s = SwappableScorer.create("model", schema(), constant("v0", 0));
    Candidates c = randomCandidates(new Random(seed), 100);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicInteger scored = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(2);
    List<Thread> readers =
        List.of(1, 2).stream()
            .map(i -> Thread.ofPlatform().start(() -> {
              started.countDown();
              try {
                while (!stop.get()) {
                  float[] out = s.score(QUERY, c);
                  for (float v : out) {
                    if (v != out[0]) {
                      throw new AssertionError("mixed models in one request: " + v + " vs " + out[0]);
                    }
                  }
                  scored.incrementAndGet();
                }
              } catch (Throwable t) {
                failure.compareAndSet(null, t);
              }
            }))
            .toList();
    started.await();
    for (int version = 1; version <= 200; version++) {
      int v = version;
      assertThat(s.swap(() -> constant("v" + v, v)).swapped()).isTrue();
    }
    stop.set(true);
    for (Thread t : readers) {
      t.join();
    }
    assertThat(failure.get()).isNull();
    assertThat(scored.get()).isPositive();
    assertThat(s.current().name()).isEqualTo("v200");
  }
}
