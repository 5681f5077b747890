package dev.shortlist.bench.jmh;

import dev.shortlist.bench.workload.ReferenceWorkload;
import dev.shortlist.core.Candidates;
import dev.shortlist.core.Query;
import java.io.IOException;
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
 * Each stage of the {@link ReferenceWorkload}'s request alone, on the same data as {@link
 * RequestBenchmark}: retrieval (the three sources and the merge), feature assembly (40 columns,
 * item features through the Caffeine cache), scoring (the tree ensemble) and selection (MMR to
 * 20). Inputs rotate over 64 hydrated queries of Zipf-drawn users, with their candidates,
 * features and scores computed in the set-up, so each benchmark measures its stage only.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/shortlist.jar
 * org.openjdk.jmh.Main StageBenchmark -p items=200000}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class StageBenchmark {

  private static final int INPUTS = 64;

  @Param({"1000000"})
  int items;

  @Param({"1000"})
  int candidates;

  @Param({"300"})
  int trees;

  @Param({"100000"})
  int users;

  private ReferenceWorkload workload;
  private Query[] queries;
  private Candidates[] retrieved;
  private Candidates[] featured;
  private Candidates[] scored;
  private int cursor;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    workload = RequestBenchmark.BenchWorkloads.open(items, candidates, trees, users);
    SplittableRandom rnd = new SplittableRandom(Fixtures.MIXTURE_SEED);
    queries = new Query[INPUTS];
    retrieved = new Candidates[INPUTS];
    featured = new Candidates[INPUTS];
    scored = new Candidates[INPUTS];
    for (int i = 0; i < INPUTS; i++) {
      queries[i] = workload.stageQuery(rnd);
      retrieved[i] = workload.retrieve(queries[i]);
      featured[i] = retrieved[i].withFeatures(workload.features().assemble(queries[i], retrieved[i]));
      scored[i] = featured[i].withScores(workload.scorer().score(queries[i], featured[i]));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    workload.close();
  }

  private int next() {
    return cursor++ & (INPUTS - 1);
  }

  @Benchmark
  public Candidates retrieval() throws Exception {
    return workload.retrieve(queries[next()]);
  }

  @Benchmark
  public Object featureAssembly() throws Exception {
    int i = next();
    return workload.features().assemble(queries[i], retrieved[i]);
  }

  @Benchmark
  public float[] scoring() throws Exception {
    int i = next();
    return workload.scorer().score(queries[i], featured[i]);
  }

  @Benchmark
  public int[] selection() {
    int i = next();
    return workload.selector().select(queries[i], scored[i], 20);
  }
}
