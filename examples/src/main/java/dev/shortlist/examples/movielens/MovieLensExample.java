package dev.shortlist.examples.movielens;

import dev.shortlist.core.eval.EvaluationReport;
import dev.shortlist.core.eval.Interactions;
import dev.shortlist.core.eval.InteractionsCsv;
import dev.shortlist.core.eval.OfflineEvaluation;
import dev.shortlist.core.eval.Split;
import dev.shortlist.ranking.InteractionFeatures;
import dev.shortlist.ranking.TopKSelector;
import dev.shortlist.retrieval.EmbeddingSource;
import dev.shortlist.retrieval.Embeddings;
import dev.shortlist.retrieval.ImplicitAls;
import dev.shortlist.train.LambdaMartTrainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * MovieLens end to end: a two-stage recommender trained offline on the ratings and measured
 * against baselines.
 *
 * <ol>
 *   <li>Read {@code ratings.csv}; ratings of 4 and more are the positive interactions.
 *   <li>Temporal split: each user's latest 20% of positives are held out for testing
 *       ({@link Split#temporal}).
 *   <li>Retrieval: user and item embeddings by implicit ALS on the training positives, written to
 *       {@code users.npy}/{@code items.npy}; an exact inner-product index over the items; the
 *       {@code candidates} nearest items to the user's embedding.
 *   <li>Ranking: Shortlist's feature assembly ({@link InteractionFeatures}, with the genres of
 *       {@code movies.csv}) and a LambdaMART model trained by XGBoost on a validation split of the
 *       training period (its number of trees chosen by cross-validation), saved as XGBoost JSON
 *       and served by the pure-Java tree scorer.
 *   <li>Evaluation ({@link OfflineEvaluation}): popularity, retrieval only and two-stage, as one
 *       table, with the latency of {@code Recommender.recommend}.
 * </ol>
 *
 * <p>Run with {@code examples/run movielens [--validate] [DATA_DIR] [OUT_DIR]}.
 */
public final class MovieLensExample {

  /**
   * The example's settings.
   *
   * @param data the directory holding {@code ratings.csv} and {@code movies.csv}
   * @param out where embeddings and the ranker are written
   */
  public record Settings(Path data, Path out, boolean validate, double holdout, int factors,
      int iterations, double regularization, double alpha, int candidates, int maxTrees,
      int depth, long seed) {

    /**
     * The defaults the README's figures come from. The ranker's depth (4) was chosen on the
     * validation split ({@code --validate}), not on the test holdout.
     */
    public static Settings defaults(Path data, Path out) {
      return new Settings(data, out, false, 0.2, 64, 10, 20.0, 10, 300, 300, 4, 1);
    }

    /**
     * These settings evaluating on the validation split of the training period instead of the
     * test holdout ({@link Split#validation}): for tuning without looking at the test set.
     */
    public Settings validating() {
      return new Settings(data, out, true, holdout, factors, iterations, regularization, alpha,
          candidates, maxTrees, depth, seed);
    }
  }

  private MovieLensExample() {}

  public static void main(String[] args) throws Exception {
    boolean validate = false;
    Map<String, String> options = new HashMap<>();
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--validate")) {
        validate = true;
      } else if (List.of("--factors", "--regularization", "--candidates").contains(args[i])
          && i + 1 < args.length) {
        options.put(args[i], args[++i]);
      } else if (args[i].startsWith("-")) {
        usage("unknown option " + args[i]);
      } else {
        positional.add(args[i]);
      }
    }
    if (positional.size() > 2) {
      usage("too many arguments: " + positional);
    }
    args = positional.toArray(new String[0]);
    // Defaults are relative to the repository (examples/run passes it as shortlist.home).
    Path home = Path.of(System.getProperty("shortlist.home", "."));
    Path data = args.length > 0 ? Path.of(args[0]) : home.resolve("../shared/data/movielens-small");
    Path out = args.length > 1 ? Path.of(args[1]) : home.resolve("examples/target/movielens");
    if (!Files.isRegularFile(data.resolve("ratings.csv"))) {
      System.err.println("no ratings.csv in " + data.toAbsolutePath()
          + ": pass the directory of MovieLens ml-latest-small"
          + " (https://grouplens.org/datasets/movielens/)");
      System.exit(2);
    }
    Settings d = Settings.defaults(data, out);
    Settings settings;
    try {
      settings = new Settings(data, out, validate, d.holdout(),
          Integer.parseInt(options.getOrDefault("--factors", "" + d.factors())), d.iterations(),
          Double.parseDouble(options.getOrDefault("--regularization", "" + d.regularization())),
          d.alpha(), Integer.parseInt(options.getOrDefault("--candidates", "" + d.candidates())),
          d.maxTrees(), d.depth(), d.seed());
    } catch (NumberFormatException e) {
      usage("bad number: " + e.getMessage());
      return;
    }
    EvaluationReport report = run(settings, System.out);
    System.out.println();
    System.out.print(report.toTable());
    System.out.println();
    System.out.println("embeddings and ranker written to " + out.toAbsolutePath());
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: examples/run movielens [--validate] [--factors N] [--regularization X]"
        + " [--candidates N] [DATA_DIR] [OUT_DIR]");
    System.err.println("  DATA_DIR holds MovieLens ratings.csv and movies.csv"
        + " (default ../shared/data/movielens-small)");
    System.err.println("  --validate: evaluate on a validation split of the training period"
        + " (for tuning), not on the test holdout");
    System.exit(2);
  }

  /** Runs the example, printing progress to {@code log}. */
  public static EvaluationReport run(Settings s, java.io.PrintStream log) throws Exception {
    long t0 = System.nanoTime();
    Interactions positives = InteractionsCsv.builder("userId", "movieId")
        .ratingColumn("rating").minRating(4).timeColumn("timestamp").build()
        .read(s.data().resolve("ratings.csv"));
    Map<Long, List<String>> genres = genres(s.data().resolve("movies.csv"));
    log.printf(Locale.ROOT, "read %,d positive ratings (>= 4) of %,d users, %,d movies with genres%n",
        positives.size(), positives.userCount(), genres.size());
    Split split = Split.temporal(positives, s.holdout());
    if (s.validate()) {
      split = split.validation(s.seed());
      log.println("validation mode: evaluating on the last part of the training period");
    }
    ImplicitAls als = ImplicitAls.builder().factors(s.factors()).iterations(s.iterations())
        .regularization(s.regularization()).alpha(s.alpha()).seed(s.seed()).build();
    OfflineEvaluation.PipelineFactory pipeline = train -> {
      long a = System.nanoTime();
      Embeddings e = als.fit(train);
      e.write(s.out().resolve("embeddings"));
      log.printf(Locale.ROOT, "  ALS %d factors x %d iterations on %,d interactions: %.1f s%n",
          s.factors(), s.iterations(), train.size(), (System.nanoTime() - a) / 1e9);
      return new OfflineEvaluation.Pipeline(
          List.of(e.userHydrator()),
          List.of(EmbeddingSource.builder("als", e.itemIndex()).k(s.candidates()).build()),
          InteractionFeatures.builder(train).categories(genres).build());
    };
    EvaluationReport report = OfflineEvaluation.builder(split, pipeline,
            new LambdaMartTrainer(s.out().resolve("ranker.json"), s.maxTrees(), s.depth(), s.seed(), log::println))
        .selector(TopKSelector::create)
        .candidates(s.candidates())
        .k(10)
        .seed(s.seed())
        .progress(line -> log.println(line))
        .build()
        .run();
    log.printf(Locale.ROOT, "done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    return report;
  }

  /** movieId → genres from {@code movies.csv} ({@code movieId,title,year,genres}). */
  static Map<Long, List<String>> genres(Path movies) throws IOException {
    Map<Long, List<String>> out = new HashMap<>();
    if (!Files.exists(movies)) {
      return out;
    }
    try (BufferedReader in = Files.newBufferedReader(movies, StandardCharsets.UTF_8)) {
      List<String> header = InteractionsCsv.split(in.readLine());
      int id = header.indexOf("movieId");
      int g = header.indexOf("genres");
      if (id < 0 || g < 0) {
        throw new IOException(movies + ": expected columns movieId and genres, found " + header);
      }
      String line;
      while ((line = in.readLine()) != null) {
        List<String> f = InteractionsCsv.split(line);
        if (f.size() > Math.max(id, g) && !f.get(g).isBlank() && !f.get(g).startsWith("(no")) {
          out.put(Long.parseLong(f.get(id).trim()), List.of(f.get(g).split("\\|")));
        }
      }
    }
    return out;
  }
}
