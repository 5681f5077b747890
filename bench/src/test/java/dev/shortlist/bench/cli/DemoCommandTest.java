package dev.shortlist.bench.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoCommandTest {

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cli = ShortlistCli.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void demo_servesRequestsThroughThePipeline_andPrintsTheLatencySummary() {
    Run r =
        run("demo", "--items", "3000", "--users", "50", "--requests", "300", "--warmup", "50",
            "--threads", "2", "--ann-k", "100");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("Served 300 requests on 2 threads")
        .containsPattern("p50 [0-9.]+ ms   p95 [0-9.]+ ms   p99 [0-9.]+ ms")
        .contains("budget      100 ms")
        .contains("degraded");
    // Every source contributed: ann returns its k, popular its fixed list, recent-similar the
    // neighbours of the two most recent items, each item once.
    Matcher m = Pattern.compile("ann ([0-9.]+), recent-similar ([0-9.]+), popular ([0-9.]+)").matcher(r.out());
    assertThat(m.find()).as(r.out()).isTrue();
    assertThat(Double.parseDouble(m.group(1))).isEqualTo(100.0);
    assertThat(Double.parseDouble(m.group(2))).isBetween(100.0, 200.0); // 2 seeds x 100, merged
    assertThat(Double.parseDouble(m.group(3))).isEqualTo(300.0);
  }

  @Test
  void demo_refusesBadOptions_namingTheOptionAndValue() {
    Run r = run("demo", "--items", "5");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("--items must be in [1000, 20000000], was 5");

    r = run("demo", "--threads", "zero");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("--threads").contains("zero");
  }
}
