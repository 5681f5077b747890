package dev.shortlist.bench.latency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shortlist.bench.cli.ShortlistCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code shortlist jmh} gates on JMH's own p99: a tiny workload and very short JMH settings (in
 * this JVM), once with a budget nothing can meet and once with a generous one.
 */
class JmhCommandTest {

  @TempDir static Path cache;

  private record Run(int exit, String out, String err) {}

  private static Run jmh(String budgetMs) {
    CommandLine cli = ShortlistCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute("jmh", "--budget-ms", budgetMs, "--items", "2000", "--users", "200",
        "--candidates", "100", "--trees", "10", "--forks", "0", "--warmup-iterations", "0",
        "--iterations", "1", "--time", "300ms", "--cache-dir", cache.toString());
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void impossibleBudget_fails_printingJmhsPercentiles() {
    Run r = jmh("0.0001");
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(BenchCommand.OVER_BUDGET);
    assertThat(r.out()).contains("RequestBenchmark.request").contains("p0.99");
    assertThat(r.err()).containsPattern("FAIL: p99 [0-9.]+ ms exceeds the budget of 0.0001 ms");
  }

  @Test
  void generousBudget_passes() {
    Run r = jmh("60000");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).containsPattern("JMH end-to-end request \\(SampleTime, [0-9,]+ samples\\): p50");
    assertThat(r.out()).containsPattern("PASS: p99 [0-9.]+ ms is within the budget of 60,000 ms");
  }
}
