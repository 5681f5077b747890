package dev.shortlist.bench.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shortlist.bench.cli.ShortlistCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code shortlist eval} on a log that is not MovieLens: other column names, no time column. */
class EvalCommandTest {

  @TempDir Path dir;

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

  /**
   * A seeded shop: 160 customers in 4 taste groups buy 25 products each, 80% from their group's
   * 40 products (the most popular first), 20% anywhere; columns {@code product,customer,qty}.
   */
  private Path shop() throws IOException {
    Random rnd = new Random(5);
    StringBuilder csv = new StringBuilder("product,customer,qty\n");
    for (int c = 0; c < 160; c++) {
      int group = c % 4;
      Set<Integer> bought = new HashSet<>();
      while (bought.size() < 25) {
        int p = rnd.nextDouble() < 0.8
            ? group * 40 + (int) (40 * Math.pow(rnd.nextDouble(), 2))
            : rnd.nextInt(160);
        if (bought.add(p)) {
          csv.append(1000 + p).append(",cust-").append(c).append(',').append(1 + rnd.nextInt(3)).append('\n');
        }
      }
    }
    Path f = dir.resolve("shop.csv");
    Files.writeString(f, csv);
    return f;
  }

  @Test
  void eval_onOtherColumnsWithoutTimes_printsTheTableAndWritesJson() throws IOException {
    Path csv = shop();
    Path json = dir.resolve("report.json");
    Run r = run("eval", "--interactions", csv.toString(), "--user-col", "customer",
        "--item-col", "product", "--holdout", "0.2", "--seed", "3", "--k", "10",
        "--factors", "8", "--iterations", "4", "--candidates", "60", "--trees", "30",
        "--json", json.toString());

    assertThat(r.exit()).as("stderr: %s", r.err()).isZero();
    assertThat(r.out()).contains("random split, holdout 0.20")
        .contains("popularity").contains("retrieval").contains("two-stage")
        .contains("ndcg@10").contains("recall@60");
    String j = Files.readString(json);
    for (String method : new String[] {"popularity", "retrieval", "two-stage"}) {
      assertThat(j).contains("\"method\": \"" + method + "\"");
    }
    for (String metric : new String[] {"ndcg@10", "map@10", "recall@10", "recall@100", "coverage"}) {
      assertThat(j).contains("\"" + metric + "\": ");
    }
    assertThat(j).contains("\"kind\": \"random\"").contains("\"test_users\": 160");
    // The planted taste groups are learnable: retrieval beats popularity by a margin.
    double pop = metric(j, "popularity", "ndcg@10");
    double retrieval = metric(j, "retrieval", "ndcg@10");
    assertThat(retrieval).isGreaterThan(pop * 1.2);
    assertThat(metric(j, "two-stage", "ndcg@10")).isGreaterThan(pop);
  }

  @Test
  void eval_isReproducibleWithItsSeed() throws IOException {
    Path csv = shop();
    String[] args = {"eval", "--interactions", csv.toString(), "--user-col", "customer",
        "--item-col", "product", "--seed", "7", "--factors", "4", "--iterations", "2",
        "--candidates", "30", "--trees", "5"};
    Run a = run(args);
    Run b = run(args);
    assertThat(a.exit()).isZero();
    // Latency columns differ between runs; the metrics do not.
    assertThat(metricsOnly(a.out())).isEqualTo(metricsOnly(b.out()));
  }

  @Test
  void badInput_failsWithTheParameterAndValue() throws IOException {
    Path csv = shop();
    String file = csv.toString();
    Run missingColumn = run("eval", "--interactions", file, "--user-col", "userId", "--item-col", "product");
    assertThat(missingColumn.exit()).isNotZero();
    assertThat(missingColumn.err()).contains("user column 'userId' is not in the header")
        .contains("[product, customer, qty]");

    Run noFile = run("eval", "--interactions", dir.resolve("nope.csv").toString(),
        "--user-col", "customer", "--item-col", "product");
    assertThat(noFile.exit()).isNotZero();
    assertThat(noFile.err()).contains("--interactions: no such file: ").contains("nope.csv");

    Run holdout = run("eval", "--interactions", file, "--user-col", "customer", "--item-col", "product",
        "--holdout", "1.5");
    assertThat(holdout.exit()).isNotZero();
    assertThat(holdout.err()).contains("--holdout must be in (0, 1), was 1.5");

    Run k = run("eval", "--interactions", file, "--user-col", "customer", "--item-col", "product",
        "--k", "0");
    assertThat(k.exit()).isNotZero();
    assertThat(k.err()).contains("--k must be positive, was 0");

    Run minRating = run("eval", "--interactions", file, "--user-col", "customer", "--item-col", "product",
        "--min-rating", "4");
    assertThat(minRating.exit()).isNotZero();
    assertThat(minRating.err()).contains("--min-rating 4.0 needs --rating-col");
  }

  private static double metric(String json, String method, String metric) {
    int m = json.indexOf("\"method\": \"" + method + "\"");
    int at = json.indexOf("\"" + metric + "\": ", m) + metric.length() + 4;
    int end = json.indexOf(',', at);
    return Double.parseDouble(json.substring(at, end).trim());
  }

  private static String metricsOnly(String table) {
    StringBuilder sb = new StringBuilder();
    for (String line : table.split("\n")) {
      String[] cells = line.trim().split("\\s+");
      if (cells.length > 3 && (cells[0].equals("popularity") || cells[0].equals("retrieval")
          || cells[0].equals("two-stage"))) {
        sb.append(String.join(" ", java.util.Arrays.copyOf(cells, cells.length - 2))).append('\n');
      }
    }
    assertThat(sb).as("metric rows of %s", table).isNotEmpty();
    return sb.toString();
  }
}
