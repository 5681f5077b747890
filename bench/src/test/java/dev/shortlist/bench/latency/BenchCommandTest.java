package dev.shortlist.bench.latency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shortlist.bench.cli.ShortlistCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The exit-code contract and outputs of {@code shortlist bench}, on a small catalogue. */
class BenchCommandTest {

  /** Shared by the tests of this class, so the index and the model are built once. */
  @TempDir static Path cache;

  private record Run(int exit, String out, String err) {}

  private static Run bench(String... extra) {
    List<String> args = new ArrayList<>(List.of(
        "bench", "--items", "3000", "--users", "300", "--candidates", "100", "--trees", "20",
        "--depth", "4", "--duration", "400ms", "--warmup", "200ms",
        "--store-latency-us", "0", "--store-item-ns", "0", "--cache-dir", cache.toString()));
    args.addAll(List.of(extra));
    if (!args.contains("--rate")) {
      args.addAll(List.of("--rate", "100"));
    }
    return run(args.toArray(String[]::new));
  }

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
  void impossibleBudget_exitsNonZero_sayingTheP99ExceedsIt_andWritesJsonAndChart(@TempDir Path dir)
      throws IOException {
    Path json = dir.resolve("out.json");
    Path png = dir.resolve("out.png");
    Run r = bench("--budget-ms", "0.0001", "--json", json.toString(), "--plot", png.toString(),
        "--writes-per-s", "50", "--events-per-s", "100");

    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(BenchCommand.OVER_BUDGET);
    assertThat(r.err()).containsPattern("FAIL: p99 [0-9.]+ ms exceeds the budget of 0.0001 ms");
    assertThat(r.out())
        .containsPattern("latency     p50 [0-9.]+ ms   p90 [0-9.]+ ms   p99 [0-9.]+ ms   p99.9 [0-9.]+ ms   max [0-9.]+ ms")
        .contains("coordinated omission corrected")
        .containsPattern("degraded    100.00% \\(40 of 40 responses\\)")
        .contains("0 empty although candidates survived the filters")
        .contains("user-embedding", "ann", "item-to-item", "trending")
        .contains("hit ratio");

    String j = Files.readString(json);
    for (String key : List.of("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "throughput_rps",
        "degraded_ratio", "stages", "cache_hit_ratio", "empty_with_candidates")) {
      assertThat(j).contains("\"" + key + "\": ");
    }
    assertThat(j).contains("\"ann\": {\"mean_ms\": ").contains("\"within_budget\": false");
    byte[] image = Files.readAllBytes(png);
    assertThat(image).startsWith(0x89, 'P', 'N', 'G');
  }

  @Test
  void generousBudget_exitsZero_closedLoopToo() {
    Run open = bench("--budget-ms", "60000");
    assertThat(open.exit()).as(open.out() + open.err()).isZero();
    assertThat(open.out())
        .containsPattern("PASS: p99 [0-9.]+ ms is within the budget of 60,000 ms")
        .contains("ann", "item-to-item", "trending", "seen", "features", "trees", "mmr");

    Run closed = bench("--budget-ms", "60000", "--closed-loop", "--no-cache", "--index", "exact");
    assertThat(closed.exit()).as(closed.out() + closed.err()).isZero();
    assertThat(closed.out()).contains("closed loop on 2 threads").contains("caches      off");
  }

  @Test
  void badOptions_areRefused_namingTheOptionAndValue() {
    Run r = bench("--rate", "0");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--rate must be in (0, 1000000], was 0");

    r = run("bench", "--items", "5");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("items must be in [1000, 20000000], was 5");

    r = bench("--duration", "soon");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("'soon' is not a duration");

    r = bench("--index", "faiss:");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("give a FAISS factory string");
  }

  @Test
  void faissIndex_servesTheWorkload_whenTheNativeLibraryIsThere() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        dev.shortlist.retrieval.FaissIndex.isAvailable(),
        () -> "FAISS native library absent: " + dev.shortlist.retrieval.FaissIndex.unavailableReason());
    Run r = bench("--budget-ms", "60000", "--index", "faiss:HNSW16", "--writes-per-s", "0");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("FAISS HNSW16").contains("PASS: p99");
  }
}
