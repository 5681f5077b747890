package dev.shortlist.bench.latency;

import dev.shortlist.bench.jmh.RequestBenchmark;
import dev.shortlist.bench.jmh.StageBenchmark;
import dev.shortlist.bench.workload.ReferenceWorkload;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shortlist jmh}: runs the end-to-end {@link RequestBenchmark} in JMH's SampleTime mode
 * through JMH's Runner API, prints JMH's own output and percentiles, and exits 1 when JMH's p99
 * exceeds {@code --budget-ms} (0 otherwise), so the budget can gate a release pipeline.
 */
@Command(
    name = "jmh",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the JMH end-to-end request benchmark (RequestBenchmark, SampleTime",
      "mode) on the reference workload and exits 1 when JMH's p99 exceeds",
      "--budget-ms. With --stages, also runs each stage alone (StageBenchmark:",
      "retrieval, feature assembly, scoring, selection); only the request is gated."
    })
public final class JmhCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--budget-ms", description = "Latency budget in ms (default: ${DEFAULT-VALUE}).")
  double budgetMs = 100;

  @Option(names = "--items", description = "Catalogue size (default: ${DEFAULT-VALUE}).")
  int items = 1_000_000;

  @Option(names = "--candidates", description = "Candidates per request (default: ${DEFAULT-VALUE}).")
  int candidates = 1_000;

  @Option(names = "--trees", description = "Trees in the model (default: ${DEFAULT-VALUE}).")
  int trees = 300;

  @Option(names = "--users", description = "Simulated users (default: ${DEFAULT-VALUE}).")
  int users = 100_000;

  @Option(names = "--stages", description = "Also run each stage alone (StageBenchmark); not gated.")
  boolean stages;

  @Option(names = "--forks", description = "JMH forks; 0 runs in this JVM (default: ${DEFAULT-VALUE}).")
  int forks = 1;

  @Option(names = "--warmup-iterations", description = "JMH warm-up iterations (default: ${DEFAULT-VALUE}).")
  int warmupIterations = 3;

  @Option(names = "--iterations", description = "JMH measurement iterations (default: ${DEFAULT-VALUE}).")
  int iterations = 5;

  @Option(names = "--time", converter = BenchCommand.DurationConverter.class, defaultValue = "2s",
      description = "Time per JMH iteration, e.g. 2s, 200ms (default: ${DEFAULT-VALUE}).")
  java.time.Duration time;

  @Option(names = "--threads", description = "JMH benchmark threads (default: ${DEFAULT-VALUE}).")
  int threads = 1;

  @Option(names = "--cache-dir",
      description = "Where built indexes and models are kept (default: $SHORTLIST_CACHE or ~/.cache/shortlist).")
  Path cacheDir;

  @Override
  public Integer call() throws RunnerException {
    check(budgetMs > 0, "--budget-ms must be positive, was " + BenchCommand.fmt(budgetMs));
    check(forks >= 0 && forks <= 10, "--forks must be in [0, 10], was " + forks);
    check(warmupIterations >= 0, "--warmup-iterations must not be negative, was " + warmupIterations);
    check(iterations >= 1, "--iterations must be positive, was " + iterations);
    check(threads >= 1 && threads <= 256, "--threads must be in [1, 256], was " + threads);
    check(time.toMillis() >= 10, "--time must be at least 10ms, was " + BenchCommand.human(time));
    try {
      new ReferenceWorkload.Spec(items, 64, users, candidates, trees, 6, "live-hnsw", 42);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    String include = Pattern.quote(RequestBenchmark.class.getName()) + "\\.";
    if (stages) {
      include = "(" + include + "|" + Pattern.quote(StageBenchmark.class.getName()) + "\\.)";
    }
    ChainedOptionsBuilder o = new OptionsBuilder()
        .include(include)
        .mode(Mode.SampleTime)
        .timeUnit(TimeUnit.MILLISECONDS)
        .forks(forks)
        .warmupIterations(warmupIterations)
        .warmupTime(TimeValue.milliseconds(time.toMillis()))
        .measurementIterations(iterations)
        .measurementTime(TimeValue.milliseconds(time.toMillis()))
        .threads(threads)
        .param("items", Integer.toString(items))
        .param("candidates", Integer.toString(candidates))
        .param("trees", Integer.toString(trees))
        .param("users", Integer.toString(users))
        .param("budgetMs", Integer.toString((int) Math.ceil(budgetMs)))
        .shouldFailOnError(true);
    Path root = cacheDir != null ? cacheDir : ReferenceWorkload.Options.defaultCacheRoot();
    System.setProperty(ReferenceWorkload.Options.CACHE_PROPERTY, root.toString());
    o.jvmArgsAppend("-D" + ReferenceWorkload.Options.CACHE_PROPERTY + "=" + root);
    PrintStream jmhOut = new PrintStream(new LinesTo(out), true, StandardCharsets.UTF_8);
    Collection<RunResult> results =
        new Runner(o.build(), OutputFormatFactory.createFormatInstance(jmhOut, VerboseMode.NORMAL)).run();
    jmhOut.flush();
    RunResult request = null;
    for (RunResult r : results) {
      if (r.getParams().getBenchmark().startsWith(RequestBenchmark.class.getName())) {
        request = r;
      }
    }
    if (request == null) {
      spec.commandLine().getErr().println("FAIL: JMH returned no result for RequestBenchmark");
      return BenchCommand.OVER_BUDGET;
    }
    var stats = request.getPrimaryResult().getStatistics();
    double p50 = stats.getPercentile(50);
    double p90 = stats.getPercentile(90);
    double p99 = stats.getPercentile(99);
    double p999 = stats.getPercentile(99.9);
    out.println();
    out.printf(Locale.ROOT, "JMH end-to-end request (SampleTime, %,d samples): p50 %.3f ms   p90 %.3f ms   p99 %.3f ms   p99.9 %.3f ms   max %.3f ms%n",
        stats.getN(), p50, p90, p99, p999, stats.getMax());
    if (p99 <= budgetMs) {
      out.printf(Locale.ROOT, "PASS: p99 %.3f ms is within the budget of %s ms%n", p99, BenchCommand.fmt(budgetMs));
      out.flush();
      return 0;
    }
    out.flush();
    spec.commandLine().getErr().printf(Locale.ROOT, "FAIL: p99 %.3f ms exceeds the budget of %s ms%n",
        p99, BenchCommand.fmt(budgetMs));
    spec.commandLine().getErr().flush();
    return BenchCommand.OVER_BUDGET;
  }

  /** Passes UTF-8 bytes on to a writer line by line (JMH prints to a stream). */
  private static final class LinesTo extends OutputStream {
    private final PrintWriter out;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    LinesTo(PrintWriter out) {
      this.out = out;
    }

    @Override
    public synchronized void write(int b) {
      line.write(b);
      if (b == '\n') {
        flush();
      }
    }

    @Override
    public synchronized void flush() {
      out.print(line.toString(StandardCharsets.UTF_8));
      out.flush();
      line.reset();
    }
  }

  private void check(boolean ok, String message) {
    if (!ok) {
      throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }
}
