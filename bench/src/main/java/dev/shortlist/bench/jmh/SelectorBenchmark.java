package dev.shortlist.bench.jmh;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import dev.shortlist.ranking.DiversitySelector;
import dev.shortlist.ranking.TopKSelector;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Selection cost: top-k and MMR diversity (λ = 0.7, cosine over item embeddings) from {@code
 * candidates} scored candidates to {@code size}. Goal: MMR over 1,000 candidates to 20 in ≤ 0.5 ms.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/shortlist.jar
 * org.openjdk.jmh.Main SelectorBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class SelectorBenchmark {

  private static final int INPUTS = 16;

  @Param({"1000"})
  int candidates;

  @Param({"20"})
  int size;

  @Param({"64"})
  int dim;

  private float[][] embeddings;
  private Candidates[] inputs;
  private DiversitySelector mmr;
  private TopKSelector topK;
  private Query query;
  private int cursor;

  @Setup
  public void setUp() {
    Random rnd = new Random(42);
    int items = candidates * 4;
    embeddings = new float[items][dim];
    for (float[] e : embeddings) {
      for (int d = 0; d < dim; d++) {
        e[d] = (float) rnd.nextGaussian();
      }
    }
    inputs = new Candidates[INPUTS];
    for (int i = 0; i < INPUTS; i++) {
      long[] ids = rnd.longs(candidates, 0, items).distinct().toArray();
      float[] scores = new float[ids.length];
      for (int j = 0; j < scores.length; j++) {
        scores[j] = rnd.nextFloat();
      }
      inputs[i] = Candidates.of("s", ids, new float[ids.length]).withScores(scores);
    }
    mmr = DiversitySelector.builder("mmr").mmr(0.7, id -> embeddings[(int) id]).build();
    topK = TopKSelector.create();
    query = Query.of(Request.forUser("bench").build(), Deadline.none());
  }

  private Candidates next() {
    cursor = (cursor + 1) % INPUTS;
    return inputs[cursor];
  }

  @Benchmark
  public int[] mmr() {
    return mmr.select(query, next(), size);
  }

  @Benchmark
  public int[] topK() {
    return topK.select(query, next(), size);
  }
}
