package dev.shortlist.ranking;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * The parity fixtures of {@code src/test/resources/fixtures/}, written by the training libraries
 * (see {@code fixtures.TreeFixtureGenerator} and {@code src/test/python/make_xgboost17_fixtures.py}).
 */
final class TreeFixtures {

  private TreeFixtures() {}

  /** One fixture: a model file, its test rows and the library's predictions on them. */
  record Fixture(String name, Path model, List<String> header, float[] rows, int rowCount,
      double[] margin, double[] prediction) {

    boolean isXgboost() {
      return model.getFileName().toString().endsWith(".json");
    }

    int features() {
      return header.size();
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Path dir() {
    try {
      return Path.of(TreeFixtures.class.getResource("/fixtures").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path file(String name) {
    return dir().resolve(name);
  }

  /** Every fixture: each model file with a CSV of the same name. */
  static Stream<Fixture> all() {
    try (Stream<Path> files = Files.list(dir())) {
      List<Path> csvs = files.filter(p -> p.toString().endsWith(".csv")).sorted().toList();
      List<Fixture> out = new ArrayList<>();
      for (Path csv : csvs) {
        String name = csv.getFileName().toString().replace(".csv", "");
        Path json = dir().resolve(name + ".json");
        Path txt = dir().resolve(name + ".txt");
        out.add(read(name, Files.exists(json) ? json : txt, csv));
      }
      return out.stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Fixture read(String name, Path model, Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    List<String> cells = Arrays.asList(lines.get(0).split(","));
    List<String> header = cells.subList(0, cells.size() - 2);
    int n = lines.size() - 1;
    int width = header.size();
    // XGBoost predicts in float (the CSV holds floats); LightGBM in double.
    boolean floats = model.getFileName().toString().endsWith(".json");
    float[] rows = new float[n * width];
    double[] margin = new double[n];
    double[] prediction = new double[n];
    for (int r = 0; r < n; r++) {
      String[] c = lines.get(r + 1).split(",");
      for (int j = 0; j < width; j++) {
        rows[r * width + j] = Float.parseFloat(c[j]);
      }
      margin[r] = floats ? Float.parseFloat(c[width]) : Double.parseDouble(c[width]);
      prediction[r] = floats ? Float.parseFloat(c[width + 1]) : Double.parseDouble(c[width + 1]);
    }
    return new Fixture(name, model, List.copyOf(header), rows, n, margin, prediction);
  }
}
