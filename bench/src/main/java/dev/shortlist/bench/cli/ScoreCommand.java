package dev.shortlist.bench.cli;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import dev.shortlist.core.Scorer;
import dev.shortlist.ranking.LinearScorer;
import dev.shortlist.ranking.OnnxScorer;
import dev.shortlist.ranking.TreeEnsembleScorer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shortlist score}: scores the rows of a CSV with a model file, one prediction per row.
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = {
      "Scores each row of a header-named CSV of features with a model: XGBoost JSON, LightGBM",
      "text or ONNX (evaluated by Shortlist's scorers), or a linear model's JSON weights.",
      "An empty cell is a missing value. Writes one prediction per row and prints rows/s."
    })
final class ScoreCommand implements java.util.concurrent.Callable<Integer> {

  enum Format { XGBOOST, LIGHTGBM, ONNX, LINEAR }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "Model file (.json, .txt, .onnx).")
  Path model;

  @Option(names = "--features", required = true, description = "CSV of feature rows, with a header of feature names.")
  Path features;

  @Option(names = "--output", description = "Where to write the predictions (CSV); default: standard output.")
  Path output;

  @Option(
      names = "--format",
      description = "Model format: ${COMPLETION-CANDIDATES}; default: from the file (.onnx, .txt = LightGBM, .json = XGBoost or linear).")
  Format format;

  @Option(names = "--raw", description = "Output the raw margin instead of the transformed prediction (tree and linear models).")
  boolean raw;

  private static final int BATCH = 8_192;
  private static final Query QUERY = Query.of(Request.forUser("score").build(), Deadline.none());

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(model)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--model: no such file: " + model);
    }
    if (!Files.isRegularFile(features)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--features: no such file: " + features);
    }
    try (BufferedReader in = Files.newBufferedReader(features, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null || header.isBlank()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--features: " + features + " is empty; expected a header of feature names");
      }
      List<String> names = List.of(splitCsv(header));
      FeatureSchema schema;
      try {
        schema = FeatureSchema.of(names);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--features: header of " + features + ": " + e.getMessage());
      }
      Format f;
      try {
        f = format != null ? format : detect(model);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--model: " + e.getMessage());
      }
      Scorer scorer = load(f, schema);
      for (String needed : scorer.requiredFeatures()) {
        if (schema.indexOf(needed) < 0) {
          throw new CommandLine.ParameterException(
              spec.commandLine(),
              "--features: " + features + " has no column '" + needed + "', which the model reads"
                  + " (columns: " + schema.names() + ")");
        }
      }
      PrintWriter console = spec.commandLine().getOut();
      long rows = 0;
      long start = System.nanoTime();
      long scoringNanos = 0;
      try (Writer out = output == null ? null : Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
        Writer sink = out != null ? out : console;
        sink.write("prediction\n");
        float[] batch = new float[BATCH * schema.size()];
        int n = 0;
        int lineNo = 1;
        for (String line; (line = in.readLine()) != null; ) {
          lineNo++;
          if (line.isBlank()) {
            continue;
          }
          parseRow(line, lineNo, schema.size(), batch, n * schema.size());
          if (++n == BATCH) {
            scoringNanos += scoreBatch(scorer, schema, batch, n, sink);
            rows += n;
            n = 0;
          }
        }
        if (n > 0) {
          scoringNanos += scoreBatch(scorer, schema, batch, n, sink);
          rows += n;
        }
        sink.flush();
      } finally {
        if (scorer instanceof AutoCloseable c) {
          c.close();
        }
      }
      double total = (System.nanoTime() - start) / 1e9;
      PrintWriter report = output == null ? spec.commandLine().getErr() : console;
      report.printf(Locale.ROOT, "scored %,d rows with %s (%s) in %.3f s: %,.0f rows/s scoring, %,.0f rows/s including CSV%n",
          rows, model.getFileName(), f.name().toLowerCase(Locale.ROOT), total,
          rows / Math.max(scoringNanos / 1e9, 1e-9), rows / Math.max(total, 1e-9));
      report.flush();
      return 0;
    }
  }

  private long scoreBatch(Scorer scorer, FeatureSchema schema, float[] batch, int n, Writer sink)
      throws Exception {
    float[] values = java.util.Arrays.copyOf(batch, n * schema.size());
    long[] ids = new long[n];
    Candidates c =
        Candidates.of("csv", ids, new float[n]).withFeatures(FeatureMatrix.wrap(schema, values, n));
    long t0 = System.nanoTime();
    float[] scores = scorer.score(QUERY, c);
    long nanos = System.nanoTime() - t0;
    StringBuilder b = new StringBuilder(n * 12);
    for (float s : scores) {
      b.append(s).append('\n');
    }
    sink.write(b.toString());
    return nanos;
  }

  private Scorer load(Format f, FeatureSchema schema) throws IOException {
    try {
      return switch (f) {
        case XGBOOST -> TreeEnsembleScorer.fromXgboostJson(model, schema, treeOptions());
        case LIGHTGBM -> TreeEnsembleScorer.fromLightGbm(model, schema, treeOptions());
        case ONNX -> OnnxScorer.builder("onnx", schema).model(model).build();
        case LINEAR -> {
          LinearScorer linear = LinearScorer.fromJson(model);
          if (!raw) {
            yield linear;
          }
          LinearScorer.Builder b = LinearScorer.builder(linear.name()).bias(linear.bias());
          for (Map.Entry<String, Float> w : linear.weights().entrySet()) {
            b.weight(w.getKey(), w.getValue());
          }
          yield b.build();
        }
      };
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--model " + model + " does not fit " + features + ": " + e.getMessage());
    }
  }

  private TreeEnsembleScorer.Options treeOptions() {
    TreeEnsembleScorer.Options o = TreeEnsembleScorer.Options.defaults();
    return raw ? o.withOutput(TreeEnsembleScorer.Output.MARGIN) : o;
  }

  private static Format detect(Path model) throws IOException {
    String name = model.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".onnx")) {
      return Format.ONNX;
    }
    if (name.endsWith(".txt")) {
      return Format.LIGHTGBM;
    }
    if (name.endsWith(".json")) {
      try (BufferedReader r = Files.newBufferedReader(model, StandardCharsets.UTF_8)) {
        char[] head = new char[4096];
        int n = r.read(head);
        String s = n <= 0 ? "" : new String(head, 0, n);
        return s.contains("\"learner\"") ? Format.XGBOOST : Format.LINEAR;
      }
    }
    throw new IllegalArgumentException(
        "cannot tell the format of " + model + " from its name; pass --format xgboost|lightgbm|onnx|linear");
  }

  private void parseRow(String line, int lineNo, int width, float[] into, int at) {
    String[] cells = splitCsv(line);
    if (cells.length != width) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--features: line " + lineNo + " of " + features + " has " + cells.length
              + " cells, the header has " + width);
    }
    for (int i = 0; i < width; i++) {
      String cell = cells[i].trim();
      if (cell.isEmpty() || cell.equalsIgnoreCase("nan")) {
        into[at + i] = Float.NaN;
        continue;
      }
      try {
        into[at + i] = Float.parseFloat(cell);
      } catch (NumberFormatException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--features: line " + lineNo + ", column " + (i + 1) + " of " + features
                + " is not a number: '" + cell + "'");
      }
      if (Float.isInfinite(into[at + i])) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--features: line " + lineNo + ", column " + (i + 1) + " of " + features
                + " is infinite: '" + cell + "'");
      }
    }
  }

  /** Splits one CSV line on commas; double-quoted cells may hold commas. */
  static String[] splitCsv(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          cell.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        out.add(cell.toString());
        cell.setLength(0);
      } else {
        cell.append(ch);
      }
    }
    out.add(cell.toString());
    return out.toArray(new String[0]);
  }
}
