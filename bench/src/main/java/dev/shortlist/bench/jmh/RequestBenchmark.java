package dev.shortlist.bench.jmh;

import dev.shortlist.bench.workload.ReferenceWorkload;
import dev.shortlist.core.Request;
import dev.shortlist.core.Response;
import dev.shortlist.core.Ticker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The end-to-end request of the {@link ReferenceWorkload}: hydrate, retrieve {@code candidates}
 * from HNSW + item-to-item + trending over {@code items} items, filter, assemble 40 features,
 * score with {@code trees} trees of depth 6, MMR to 20; in SampleTime mode, so JMH reports
 * percentiles. Requests rotate over 1,024 pre-drawn ones (Zipf-distributed users, random
 * context). The index and the model come from the workload cache (built on the first run).
 *
 * <p>Run: {@code shortlist jmh --budget-ms 100} (gates on the p99), or {@code java
 * --add-modules jdk.incubator.vector -cp bench/target/shortlist.jar org.openjdk.jmh.Main
 * RequestBenchmark -p items=200000}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class RequestBenchmark {

  @Param({"1000000"})
  int items;

  @Param({"1000"})
  int candidates;

  @Param({"300"})
  int trees;

  @Param({"100000"})
  int users;

  @Param({"100"})
  int budgetMs;

  private ReferenceWorkload workload;
  private Request[] requests;
  private int cursor;
  private long served;
  private long degraded;
  private final java.util.Map<String, Long> degradedStages = new java.util.TreeMap<>();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    workload = BenchWorkloads.open(items, candidates, trees, users);
    SplittableRandom rnd = new SplittableRandom(Fixtures.MIXTURE_SEED);
    requests = new Request[Fixtures.QUERIES];
    for (int i = 0; i < requests.length; i++) {
      requests[i] = workload.request(rnd, 20, Duration.ofMillis(budgetMs));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    System.err.printf("%n%,d responses, %,d degraded; stages dropped or skipped: %s%n",
        served, degraded, degradedStages);
    workload.close();
  }

  @Benchmark
  public Response request() {
    Response r = workload.recommender().recommend(requests[cursor++ & (Fixtures.QUERIES - 1)]);
    served++;
    if (r.degraded()) {
      degraded++;
      for (var d : r.trace().degradations()) {
        degradedStages.merge(d.stage() + ":" + d.reason(), 1L, Long::sum);
      }
    }
    return r;
  }

  /** Opening the reference workload for benchmarks: progress to stderr, metrics kept in memory. */
  static final class BenchWorkloads {
    private BenchWorkloads() {}

    static ReferenceWorkload open(int items, int candidates, int trees, int users)
        throws IOException {
      ReferenceWorkload.Spec spec = ReferenceWorkload.Spec.reference()
          .withItems(items).withCandidates(candidates).withUsers(users)
          .withModel(trees, ReferenceWorkload.Spec.reference().depth());
      PrintWriter log = new PrintWriter(System.err, true);
      log.println();
      return ReferenceWorkload.open(spec, ReferenceWorkload.Options.defaults(),
          new SimpleMeterRegistry(), Ticker.system(), log);
    }
  }
}
