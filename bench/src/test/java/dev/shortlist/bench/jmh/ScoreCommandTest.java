package dev.shortlist.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.shortlist.bench.cli.ShortlistCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code shortlist score} end to end on models written by the training libraries (the ranking
 * module's parity fixtures) and on an ONNX model built here. In this package to reuse the ONNX
 * encoder of {@link OnnxScoringBenchmark}.
 */
class ScoreCommandTest {

  private static final Path FIXTURES = Path.of("../ranking/src/test/resources/fixtures");

  @TempDir Path temp;

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

  /** Splits a fixture CSV into the feature columns (written to a file) and a named column. */
  private List<Double> split(String fixture, int featureColumns, String column, Path featuresOut)
      throws IOException {
    List<String> lines = Files.readAllLines(FIXTURES.resolve(fixture));
    String[] header = lines.get(0).split(",");
    int col = List.of(header).indexOf(column);
    StringBuilder features = new StringBuilder(String.join(",", List.of(header).subList(0, featureColumns)) + "\n");
    List<Double> expected = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      StringBuilder row = new StringBuilder();
      for (int i = 0; i < featureColumns; i++) {
        row.append(i == 0 ? "" : ",").append(cells[i].equals("NaN") ? "" : cells[i]);
      }
      features.append(row).append('\n');
      expected.add(Double.parseDouble(cells[col]));
    }
    Files.writeString(featuresOut, features);
    return expected;
  }

  private static List<Double> predictions(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    assertThat(lines.get(0)).isEqualTo("prediction");
    return lines.subList(1, lines.size()).stream().map(Double::parseDouble).toList();
  }

  @Test
  void score_xgboostJson_matchesXgboostsOwnPredictions_withMissingCells() throws IOException {
    Path rows = temp.resolve("rows.csv");
    Path out = temp.resolve("out.csv");
    List<Double> expected = split("xgb3-binary-logistic.csv", 6, "prediction", rows);

    Run r = run("score", "--model", FIXTURES.resolve("xgb3-binary-logistic.json").toString(),
        "--features", rows.toString(), "--output", out.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("rows/s");
    List<Double> got = predictions(out);
    assertThat(got).hasSameSizeAs(expected);
    for (int i = 0; i < got.size(); i++) {
      assertThat(got.get(i)).as("row %d", i).isCloseTo(expected.get(i), within(1e-5));
    }
  }

  @Test
  void score_raw_givesTheMargin() throws IOException {
    Path rows = temp.resolve("rows.csv");
    Path out = temp.resolve("out.csv");
    List<Double> expected = split("xgb3-binary-logistic.csv", 6, "margin", rows);

    Run r = run("score", "--model", FIXTURES.resolve("xgb3-binary-logistic.json").toString(),
        "--features", rows.toString(), "--output", out.toString(), "--raw");

    assertThat(r.exit()).as(r.err()).isZero();
    List<Double> got = predictions(out);
    for (int i = 0; i < got.size(); i++) {
      assertThat(got.get(i)).as("row %d", i).isCloseTo(expected.get(i), within(1e-5));
    }
  }

  @Test
  void score_lightGbmText_matchesLightGbmsOwnPredictions() throws IOException {
    Path rows = temp.resolve("rows.csv");
    Path out = temp.resolve("out.csv");
    List<Double> expected = split("lgbm-binary.csv", 6, "prediction", rows);

    Run r = run("score", "--model", FIXTURES.resolve("lgbm-binary.txt").toString(),
        "--features", rows.toString(), "--output", out.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    List<Double> got = predictions(out);
    for (int i = 0; i < got.size(); i++) {
      assertThat(got.get(i)).as("row %d", i).isCloseTo(expected.get(i), within(1e-5));
    }
  }

  @Test
  void score_onnxModel_matchesTheNetworkComputedInJava() throws IOException {
    long seed = 5;
    Random rnd = new Random(seed);
    OnnxScoringBenchmark.Mlp mlp = OnnxScoringBenchmark.Mlp.random(rnd, 4, 8);
    Path model = temp.resolve("mlp.onnx");
    Files.write(model, mlp.onnx());
    int n = 50;
    float[] x = new float[n * 4];
    StringBuilder csv = new StringBuilder("a,b,c,d\n");
    for (int r = 0; r < n; r++) {
      for (int c = 0; c < 4; c++) {
        x[r * 4 + c] = (float) rnd.nextGaussian();
        csv.append(c == 0 ? "" : ",").append(x[r * 4 + c]);
      }
      csv.append('\n');
    }
    Path rows = Files.writeString(temp.resolve("rows.csv"), csv);
    Path out = temp.resolve("out.csv");

    Run r = run("score", "--model", model.toString(), "--features", rows.toString(), "--output", out.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    float[] expected = mlp.score(x, n);
    List<Double> got = predictions(out);
    for (int i = 0; i < n; i++) {
      assertThat(got.get(i)).as("seed %d, row %d", seed, i).isCloseTo(expected[i], within(1e-5));
    }
  }

  @Test
  void score_linearJson_andBadInputNamingFileLineAndColumn() throws IOException {
    Path model = Files.writeString(temp.resolve("ctr.json"),
        "{\"name\": \"ctr\", \"bias\": 1, \"weights\": {\"x\": 2, \"y\": -1}}");
    Path rows = Files.writeString(temp.resolve("rows.csv"), "y,x\n1,3\n0,0.5\n");
    Path out = temp.resolve("out.csv");

    Run r = run("score", "--model", model.toString(), "--features", rows.toString(), "--output", out.toString());

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(predictions(out)).containsExactly(6.0, 2.0);

    Path bad = Files.writeString(temp.resolve("bad.csv"), "y,x\n1,3\n0,abc\n");
    r = run("score", "--model", model.toString(), "--features", bad.toString());
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("line 3, column 2").contains("'abc'");

    Path missingColumn = Files.writeString(temp.resolve("short.csv"), "y\n1\n");
    r = run("score", "--model", model.toString(), "--features", missingColumn.toString());
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("'x'");
  }
}
