package dev.shortlist.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RecommenderTest {

  private final ManualTicker ticker = new ManualTicker();
  private Recommender recommender;

  @AfterEach
  void close() {
    if (recommender != null) {
      recommender.close();
    }
  }

  private Recommender.Builder base() {
    return Recommender.builder().ticker(ticker).selector(Stages.byScore());
  }

  private static Request request(String user, int size) {
    return Request.forUser(user).size(size).build();
  }

  @Test
  void recommend_mergesSources_keepingEachItemOnceWithBestScoreAndItsSource() {
    recommender =
        base()
            .source(Stages.fixed("a", new long[] {1, 2, 3}, new float[] {0.9f, 0.5f, 0.1f}))
            .source(Stages.fixed("b", new long[] {3, 4, 2}, new float[] {0.8f, 0.7f, 0.2f}))
            .build();

    Response r = recommender.recommend(request("u", 10));

    assertThat(r.ids()).containsExactly(1, 3, 4, 2);
    assertThat(r.items())
        .extracting(ScoredItem::source)
        .containsExactly("a", "b", "b", "a");
    assertThat(r.items().get(1).score()).isEqualTo(0.8f);
    assertThat(r.trace().candidatesPerSource()).containsExactly(Map.entry("a", 3), Map.entry("b", 3));
    assertThat(r.trace().mergedCandidates()).isEqualTo(4);
    assertThat(r.degraded()).isFalse();
  }

  @Test
  void recommend_withExclusions_neverReturnsExcludedItems() {
    recommender = base().source(Stages.range("a", 50)).source(Stages.range("b", 30)).build();

    Response r = recommender.recommend(Request.forUser("u").size(20).exclude(1, 2, 3, 40).build());

    assertThat(r.ids()).hasSize(20).doesNotContain(1L, 2L, 3L, 40L);
    assertThat(r.ids()[0]).isEqualTo(4);
    assertThat(r.trace().removedPerFilter()).containsEntry("exclusions", 4);
  }

  @Test
  void recommend_filtersRunInOrder_eachReportingWhatItRemoved() {
    recommender =
        base()
            .source(Stages.range("a", 20))
            .filter(Filters.named("even", (q, c, row) -> c.id(row) % 2 == 1))
            .filter(Filters.named("small", (q, c, row) -> c.id(row) > 5))
            .build();

    Response r = recommender.recommend(request("u", 100));

    assertThat(r.ids()).containsExactly(7, 9, 11, 13, 15, 17, 19);
    assertThat(r.trace().removedPerFilter())
        .containsExactly(Map.entry("exclusions", 0), Map.entry("even", 10), Map.entry("small", 3));
  }

  @Test
  void recommend_sourceMissingTheDeadline_isDroppedAndResponseDegraded() throws Exception {
    CountDownLatch slowStarted = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    AtomicReference<Boolean> slowInterrupted = new AtomicReference<>(false);
    recommender =
        base()
            .retrievalShare(1.0)
            .source(
                Stages.source(
                    "slow",
                    q -> {
                      slowStarted.countDown();
                      try {
                        never.await();
                      } catch (InterruptedException e) {
                        slowInterrupted.set(true);
                      }
                      return Candidates.of("slow", new long[] {99}, new float[] {1f});
                    }))
            .source(
                Stages.source(
                    "fast",
                    q -> {
                      // Once the slow source runs, 150 ms pass; then this one finishes, which
                      // wakes the pipeline to find the deadline gone and the slow source pending.
                      slowStarted.await();
                      ticker.advance(Duration.ofMillis(150));
                      return Candidates.of("fast", new long[] {1, 2}, new float[] {0.5f, 0.4f});
                    }))
            .build();

    Response r = recommender.recommend(request("u", 10));

    assertThat(r.ids()).containsExactly(1, 2);
    assertThat(r.degraded()).isTrue();
    assertThat(r.trace().degradations())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.stage()).isEqualTo("slow");
              assertThat(d.reason()).isEqualTo(Degradation.Reason.TIMEOUT);
            });
    assertThat(r.trace().candidatesPerSource()).containsOnlyKeys("fast");
  }

  @Test
  void recommend_failClosedSourceMissingTheDeadline_failsTheRequest() {
    CountDownLatch never = new CountDownLatch(1);
    recommender =
        base()
            .source(
                Stages.source(
                    "slow",
                    q -> {
                      ticker.advance(Duration.ofSeconds(1));
                      never.await();
                      return Candidates.empty();
                    }),
                FailureMode.FAIL_CLOSED)
            .source(Stages.source("fast", q -> {
              while (!q.deadline().isExpired()) {
                Thread.onSpinWait();
              }
              return Candidates.empty();
            }))
            .build();

    assertThatThrownBy(() -> recommender.recommend(request("u", 10)))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.stage()).isEqualTo("slow");
              assertThat(e.fault()).isEqualTo(StageException.Fault.SYSTEM);
            });
  }

  @Test
  void recommend_sourceThatThrows_isDroppedWhenFailOpen_andFailsTheRequestWhenFailClosed() {
    CandidateSource broken =
        Stages.source("broken", q -> {
          throw new IllegalStateException("index closed");
        });
    recommender = base().source(Stages.range("ok", 3)).source(broken).build();

    Response r = recommender.recommend(request("u", 10));

    assertThat(r.ids()).containsExactly(1, 2, 3);
    assertThat(r.trace().degradations())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.stage()).isEqualTo("broken");
              assertThat(d.reason()).isEqualTo(Degradation.Reason.FAILURE);
              assertThat(d.detail()).contains("index closed");
            });
    recommender.close();

    recommender =
        base()
            .source(Stages.range("ok", 3))
            .source(
                Stages.source("broken", q -> {
                  throw new IllegalStateException("index closed");
                }),
                FailureMode.FAIL_CLOSED)
            .build();
    assertThatThrownBy(() -> recommender.recommend(request("u", 10)))
        .isInstanceOf(StageException.class)
        .hasMessageContaining("broken")
        .hasMessageContaining("index closed");
  }

  @Test
  void recommend_stageRejectingTheRequest_failsWithCallerFault() {
    recommender =
        base()
            .source(
                Stages.source("strict", q -> {
                  throw new IllegalArgumentException("unknown user " + q.userId());
                }),
                FailureMode.FAIL_CLOSED)
            .build();

    assertThatThrownBy(() -> recommender.recommend(request("ghost", 10)))
        .isInstanceOfSatisfying(
            StageException.class, e -> assertThat(e.fault()).isEqualTo(StageException.Fault.CALLER));
  }

  @Test
  void recommend_scoresApplyToCandidatesInRowOrder() {
    // The scorer reverses the retrieval order; the response must follow the scorer.
    recommender =
        base().source(Stages.range("a", 10)).scorer(Stages.scoreById("by-id", id -> id)).build();

    Response r = recommender.recommend(request("u", 3));

    assertThat(r.ids()).containsExactly(10, 9, 8);
    assertThat(r.items()).extracting(ScoredItem::score).containsExactly(10f, 9f, 8f);
  }

  @Test
  void recommend_scorersChain_eachSeeingThePreviousScores() {
    Scorer plusOne =
        new Scorer() {
          @Override
          public String name() {
            return "plus-one";
          }

          @Override
          public float[] score(Query query, Candidates c) {
            float[] s = new float[c.size()];
            for (int i = 0; i < s.length; i++) {
              s[i] = c.score(i) + 1;
            }
            return s;
          }
        };
    recommender =
        base()
            .source(Stages.range("a", 4))
            .scorer(Stages.scoreById("by-id", id -> id))
            .scorer(plusOne)
            .build();

    Response r = recommender.recommend(request("u", 4));

    assertThat(r.items()).extracting(ScoredItem::score).containsExactly(5f, 4f, 3f, 2f);
  }

  @Test
  void recommend_scorerReturningWrongNumberOfScores_isDroppedWhenFailOpen() {
    recommender =
        base()
            .source(Stages.range("a", 5))
            .scorer(Stages.returning("short", n -> new float[n - 1]))
            .build();

    Response r = recommender.recommend(request("u", 5));

    assertThat(r.ids()).containsExactly(1, 2, 3, 4, 5); // retrieval order kept
    assertThat(r.trace().degradations())
        .singleElement()
        .satisfies(d -> assertThat(d.detail()).contains("returned 4 scores for 5 candidates"));
  }

  @Test
  void recommend_scorerBreakingTheContract_failsTheRequestWhenFailClosed() {
    recommender =
        base()
            .source(Stages.range("a", 5))
            .scorer(Stages.returning("long", n -> new float[n + 2]), FailureMode.FAIL_CLOSED)
            .build();
    assertThatThrownBy(() -> recommender.recommend(request("u", 5)))
        .isInstanceOfSatisfying(
            StageException.class,
            e -> {
              assertThat(e.stage()).isEqualTo("long");
              assertThat(e.fault()).isEqualTo(StageException.Fault.SYSTEM);
              assertThat(e).hasMessageContaining("returned 7 scores for 5 candidates");
            });
  }

  @Test
  void recommend_scorerReturningNaN_isRefused() {
    recommender =
        base()
            .source(Stages.range("a", 3))
            .scorer(Stages.scoreById("nan", id -> id == 2 ? Double.NaN : id))
            .build();

    Response r = recommender.recommend(request("u", 3));

    assertThat(r.ids()).containsExactly(1, 2, 3);
    assertThat(r.trace().degradations())
        .singleElement()
        .satisfies(d -> assertThat(d.detail()).contains("NaN").contains("item 2"));
  }

  @Test
  void recommend_deadlinePassedBeforeRanking_skipsScorersAndKeepsRetrievalOrder() {
    recommender =
        base()
            .retrievalShare(1.0)
            .source(
                Stages.source(
                    "slowish",
                    q -> {
                      ticker.advance(Duration.ofMillis(99));
                      return Candidates.of("slowish", new long[] {1, 2, 3}, new float[] {3, 2, 1});
                    }))
            .filter(
                Filters.named(
                    "costly",
                    (q, c, row) -> {
                      ticker.advance(Duration.ofMillis(1));
                      return true;
                    }))
            .scorer(Stages.scoreById("by-id", id -> id))
            .build();

    Response r = recommender.recommend(request("u", 3));

    assertThat(r.ids()).containsExactly(1, 2, 3);
    assertThat(r.trace().degradations())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.stage()).isEqualTo("by-id");
              assertThat(d.reason()).isEqualTo(Degradation.Reason.SKIPPED);
            });
  }

  @Test
  void recommend_rankingThatCannotFinishInTheBudgetLeft_isSkipped_keepingRetrievalOrder() {
    recommender =
        base()
            .source(Stages.fixed("a", new long[] {1, 2, 3}, new float[] {3, 2, 1}))
            .scorer(
                Stages.scoreById(
                    "slow-by-id",
                    id -> {
                      ticker.advance(Duration.ofMillis(10)); // 10 ms per candidate
                      return id;
                    }))
            .build();

    Response ranked = recommender.recommend(request("u", 3));
    Response tight =
        recommender.recommend(Request.forUser("u").size(3).budget(Duration.ofMillis(20)).build());
    Response roomy = recommender.recommend(request("u", 3));

    assertThat(ranked.ids()).containsExactly(3, 2, 1);
    assertThat(ranked.degraded()).isFalse();
    assertThat(tight.ids()).containsExactly(1, 2, 3);
    assertThat(tight.trace().degradations())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.stage()).isEqualTo("slow-by-id");
              assertThat(d.reason()).isEqualTo(Degradation.Reason.SKIPPED);
              assertThat(d.detail()).contains("not enough time left to rank 3 candidates");
            });
    assertThat(roomy.ids()).containsExactly(3, 2, 1);

    // A skip more than a second after the last ranking ranks anyway, so the estimate recovers.
    ticker.advance(Duration.ofSeconds(2));
    Response probe =
        recommender.recommend(Request.forUser("u").size(3).budget(Duration.ofMillis(20)).build());
    assertThat(probe.ids()).containsExactly(3, 2, 1);
  }

  @Test
  void userEmbeddingHydrator_attachesTheLookedUpVector_andIsCacheable() throws Exception {
    QueryHydrator<float[]> h =
        QueryHydrator.userEmbedding(java.util.Map.of("u", new float[] {1, 2})::get);

    assertThat(h.name()).isEqualTo("user-embedding");
    assertThat(h.key()).isEqualTo(QueryKey.USER_EMBEDDING);
    assertThat(h.cacheable()).isTrue();
    assertThat(h.hydrate(request("u", 1), UserActivity.of("u", java.util.List.of()), Deadline.none()))
        .containsExactly(1, 2);
    assertThat(h.hydrate(request("v", 1), UserActivity.of("v", java.util.List.of()), Deadline.none()))
        .isNull();
  }

  @Test
  void recommend_selectorBreakingTheContract_failsTheRequest() {
    recommender =
        Recommender.builder()
            .ticker(ticker)
            .source(Stages.range("a", 5))
            .selector(Stages.returningRows(0, 1, 1))
            .build();
    assertThatThrownBy(() -> recommender.recommend(request("u", 5)))
        .isInstanceOf(StageException.class)
        .hasMessageContaining("returned row 1 twice");
    recommender.close();

    recommender =
        Recommender.builder()
            .ticker(ticker)
            .source(Stages.range("a", 5))
            .selector(Stages.returningRows(0, 1, 2))
            .build();
    assertThatThrownBy(() -> recommender.recommend(request("u", 2)))
        .isInstanceOf(StageException.class)
        .hasMessageContaining("returned 3 rows for size 2");
  }

  @Test
  void record_isSeenByTheVeryNextRequest() {
    recommender =
        base()
            .source(Stages.range("a", 10))
            .filter(Filters.seen())
            .build();
    assertThat(recommender.recommend(request("u", 3)).ids()).containsExactly(1, 2, 3);

    recommender.record(new Interaction("u", 1, "click", 1f, Instant.ofEpochSecond(100)));
    recommender.record(new Interaction("u", 3, "click", 1f, Instant.ofEpochSecond(200)));

    assertThat(recommender.recommend(request("u", 3)).ids()).containsExactly(2, 4, 5);
    assertThat(recommender.recommend(request("other", 3)).ids()).containsExactly(1, 2, 3);
    assertThat(recommender.activity("u").recent())
        .extracting(Interaction::itemId)
        .containsExactly(3L, 1L);
  }

  @Test
  void record_invalidatesCachedHydrationForThatUserOnly() {
    AtomicInteger calls = new AtomicInteger();
    QueryKey<Integer> recentCount = QueryKey.of("recent-count", Integer.class);
    QueryHydrator<Integer> hydrator =
        new QueryHydrator<>() {
          @Override
          public String name() {
            return "recent-count";
          }

          @Override
          public QueryKey<Integer> key() {
            return recentCount;
          }

          @Override
          public Integer hydrate(Request request, UserActivity activity, Deadline deadline) {
            calls.incrementAndGet();
            return activity.recent().size();
          }

          @Override
          public boolean cacheable() {
            return true;
          }
        };
    AtomicReference<Integer> seen = new AtomicReference<>();
    recommender =
        base()
            .hydrator(hydrator)
            .source(
                Stages.source(
                    "a",
                    q -> {
                      seen.set(q.require(recentCount));
                      return Candidates.of("a", new long[] {1}, new float[] {1});
                    }))
            .build();

    recommender.recommend(request("u", 1));
    recommender.recommend(request("u", 1));
    assertThat(calls).hasValue(1); // cached
    assertThat(seen).hasValue(0);

    recommender.record(new Interaction("u", 7, "view", 1f, Instant.EPOCH));
    recommender.recommend(request("u", 1));
    assertThat(calls).hasValue(2); // recomputed, not stale
    assertThat(seen).hasValue(1);

    recommender.record(new Interaction("someone-else", 7, "view", 1f, Instant.EPOCH));
    recommender.recommend(request("u", 1));
    assertThat(calls).hasValue(2);
  }

  @Test
  void recommend_hydratorThatFails_leavesItsKeyAbsent() {
    QueryKey<String> key = QueryKey.of("segment", String.class);
    QueryHydrator<String> failing =
        new QueryHydrator<>() {
          @Override
          public String name() {
            return "segment";
          }

          @Override
          public QueryKey<String> key() {
            return key;
          }

          @Override
          public String hydrate(Request r, UserActivity a, Deadline d) {
            throw new IllegalStateException("feature store down");
          }
        };
    AtomicReference<Boolean> present = new AtomicReference<>();
    recommender =
        base()
            .hydrator(failing)
            .source(Stages.source("a", q -> {
              present.set(q.get(key).isPresent());
              return Candidates.empty();
            }))
            .build();

    Response r = recommender.recommend(request("u", 1));

    assertThat(present).hasValue(false);
    assertThat(r.trace().degradations()).extracting(Degradation::stage).containsExactly("segment");
  }

  @Test
  void sideEffects_runAfterTheResponse_offTheRequestThread() throws Exception {
    CountDownLatch ran = new CountDownLatch(1);
    AtomicReference<String> thread = new AtomicReference<>();
    AtomicReference<Response> seen = new AtomicReference<>();
    recommender =
        base()
            .source(Stages.range("a", 3))
            .sideEffect(
                new SideEffect() {
                  @Override
                  public String name() {
                    return "log";
                  }

                  @Override
                  public void apply(Query query, Response response) {
                    thread.set(Thread.currentThread().getName());
                    seen.set(response);
                    ran.countDown();
                  }
                })
            .build();

    Response r = recommender.recommend(request("u", 2));

    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(thread.get()).startsWith("shortlist-side-effect-");
    assertThat(seen.get()).isSameAs(r);
  }

  @Test
  void metrics_recordStagesDegradationsFilterRemovalsAndCaches() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    recommender =
        base()
            .meterRegistry(registry)
            .source(Stages.range("a", 10))
            .source(Stages.source("broken", q -> {
              throw new IllegalStateException("x");
            }))
            .filter(Filters.seen())
            .build();
    recommender.record(new Interaction("u", 2, "click", 1f, Instant.EPOCH));

    recommender.recommend(request("u", 5));
    recommender.recommend(request("u", 5));

    assertThat(registry.get(MetricNames.REQUEST).timer().count()).isEqualTo(2);
    assertThat(registry.get(MetricNames.STAGE).tag(MetricNames.TAG_STAGE, "a").timer().count())
        .isEqualTo(2);
    assertThat(
            registry.get(MetricNames.DEGRADATIONS)
                .tag(MetricNames.TAG_STAGE, "broken")
                .tag(MetricNames.TAG_REASON, "failure")
                .counter()
                .count())
        .isEqualTo(2);
    assertThat(
            registry.get(MetricNames.FILTER_REMOVED).tag(MetricNames.TAG_STAGE, "seen").counter().count())
        .isEqualTo(2);
    assertThat(registry.get("cache.gets").tag("cache", MetricNames.CACHE_USER_ACTIVITY).meters())
        .isNotEmpty();
  }

  @Test
  void builder_refusesDuplicateAndBlankStageNames() {
    Recommender.Builder b = base().source(Stages.range("a", 1));
    assertThatThrownBy(() -> b.source(Stages.range("a", 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate stage name 'a'");
    assertThatThrownBy(() -> b.filter(Filters.named("exclusions", (q, c, r) -> true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate stage name 'exclusions'");
    assertThatThrownBy(() -> b.source(Stages.range(" ", 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stage name must not be null or blank");
    // The builder is unchanged by the refused calls.
    recommender = b.build();
    assertThat(recommender.recommend(request("u", 5)).ids()).containsExactly(1);
  }

  @Test
  void builder_requiresASourceAndASelector() {
    assertThatThrownBy(() -> Recommender.builder().selector(Stages.byScore()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("candidate source");
    assertThatThrownBy(() -> Recommender.builder().source(Stages.range("a", 1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("selector");
  }

  @Test
  void builder_refusesAScorerNeedingFeaturesTheAssemblerLacks() {
    FeatureAssembler assembler =
        new FeatureAssembler() {
          @Override
          public String name() {
            return "features";
          }

          @Override
          public FeatureSchema schema() {
            return FeatureSchema.of("popularity");
          }

          @Override
          public FeatureMatrix assemble(Query query, Candidates c) {
            return FeatureMatrix.wrap(schema(), new float[c.size()], c.size());
          }
        };
    Scorer needsAge =
        new Scorer() {
          @Override
          public String name() {
            return "model";
          }

          @Override
          public float[] score(Query q, Candidates c) {
            return new float[c.size()];
          }

          @Override
          public List<String> requiredFeatures() {
            return List.of("popularity", "age");
          }
        };
    assertThatThrownBy(
            () -> base().source(Stages.range("a", 1)).features(assembler).scorer(needsAge).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'age'");
  }

  @Test
  void builder_refusesBadSettingsNamingTheValue() {
    assertThatThrownBy(() -> Recommender.builder().retrievalShare(0))
        .hasMessageContaining("retrievalShare must be in (0, 1], was 0.0");
    assertThatThrownBy(() -> Recommender.builder().maxRecentInteractions(-1))
        .hasMessageContaining("was -1");
    assertThatThrownBy(() -> Recommender.builder().hydrationCache(10, Duration.ZERO))
        .hasMessageContaining("ttl must be positive");
  }
}
