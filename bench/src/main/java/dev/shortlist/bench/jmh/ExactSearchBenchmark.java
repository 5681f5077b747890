package dev.shortlist.bench.jmh;

import dev.shortlist.retrieval.ExactIndex;
import dev.shortlist.retrieval.Neighbors;
import java.util.Random;
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
 * Brute-force search ({@link ExactIndex}, SIMD when the Vector API is on): the latency of one
 * top-{@code k} query over {@code n} clustered {@code dim}-dimensional cosine vectors. Queries
 * rotate through {@value Fixtures#QUERIES} pre-drawn vectors from the corpus's distribution.
 *
 * <p>Run: {@code java -cp bench/target/shortlist.jar org.openjdk.jmh.Main ExactSearchBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class ExactSearchBenchmark {

  @Param({"200000"})
  int n;

  @Param({"128"})
  int dim;

  @Param({"10"})
  int k;

  private ExactIndex index;
  private float[][] queries;
  private int cursor;

  @Setup(Level.Trial)
  public void setUp() {
    ClusteredVectors mixture = new ClusteredVectors(dim, Fixtures.MIXTURE_SEED);
    float[] corpus = mixture.flat(new Random(1), n);
    index = Fixtures.exact(dim, Fixtures.ids(n), corpus);
    queries = mixture.rows(new Random(2), Fixtures.QUERIES);
    System.err.println("\n" + index + " (" + ExactIndex.vectorImplementation() + ")");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    index.close();
  }

  @Benchmark
  public Neighbors search() {
    float[] q = queries[cursor++ & (Fixtures.QUERIES - 1)];
    return index.search(q, k);
  }
}
