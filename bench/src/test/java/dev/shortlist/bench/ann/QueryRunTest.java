package dev.shortlist.bench.ann;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.shortlist.retrieval.Neighbors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QueryRunTest {

  @Test
  void recall_countsReturnedIdsAmongTheFirstKTrueOnes_averagedOverQueries() {
    // Truth has 4 columns; only the first k = 2 count.
    int[] truth = {1, 2, 3, 4, /* query 1 */ 5, 6, 7, 8};
    Neighbors[] results = {
      Neighbors.wrap(new long[] {2, 3}, new float[] {1, 0}), // 1 of {1, 2}
      Neighbors.wrap(new long[] {6, 5}, new float[] {1, 0}), // 2 of {5, 6}, any order
    };
    assertThat(QueryRun.recall(results, truth, 4, 2)).isCloseTo(0.75, within(1e-12));
  }

  @Test
  void recall_countsFewerResultsThanKAsMisses() {
    Neighbors[] results = {Neighbors.wrap(new long[] {1}, new float[] {1})};
    assertThat(QueryRun.recall(results, new int[] {1, 2}, 2, 2)).isEqualTo(0.5);
  }

  @Test
  void run_warmsUpThenRunsEveryQueryOnce_onEveryThreadCount() {
    float[][] queries = new float[50][];
    int[] truth = new int[50];
    for (int i = 0; i < 50; i++) {
      queries[i] = new float[] {i};
      truth[i] = i;
    }
    for (int threads : new int[] {1, 4}) {
      AtomicInteger calls = new AtomicInteger();
      QueryRun.Measurement m =
          QueryRun.run(
              q -> {
                calls.incrementAndGet();
                return Neighbors.wrap(new long[] {(long) q[0]}, new float[] {1});
              },
              queries, truth, 1, 1, 7, threads);
      assertThat(calls.get()).isEqualTo(57);
      assertThat(m.recall()).isEqualTo(1.0);
      assertThat(m.qps()).isPositive();
      assertThat(m.p99Ms()).isGreaterThanOrEqualTo(m.p50Ms());
    }
  }

  @Test
  void percentile_isNearestRank() {
    long[] sorted = new long[100];
    for (int i = 0; i < 100; i++) {
      sorted[i] = i + 1;
    }
    assertThat(QueryRun.percentile(sorted, 0.5)).isEqualTo(50);
    assertThat(QueryRun.percentile(sorted, 0.99)).isEqualTo(99);
    assertThat(QueryRun.percentile(new long[] {7}, 0.99)).isEqualTo(7);
  }
}
