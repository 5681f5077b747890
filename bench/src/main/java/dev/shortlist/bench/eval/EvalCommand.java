package dev.shortlist.bench.eval;

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
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shortlist eval}: the offline protocol of {@link OfflineEvaluation} on any interactions
 * CSV — popularity, retrieval (implicit ALS embeddings, exact inner-product search) and two-stage
 * (LambdaMART over {@link InteractionFeatures}, trained with XGBoost, served by the pure-Java
 * tree scorer) — printed as one table, optionally written as JSON.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Evaluates a two-stage recommender on an interactions CSV with a header line: per-user",
      "holdout (each user's latest interactions with --time-col, else a seeded random share),",
      "implicit-ALS retrieval, a LambdaMART ranker trained on a validation split of the training",
      "period, and a popularity baseline. Prints nDCG, MAP, recall, coverage and latency."
    })
public final class EvalCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--interactions", required = true, paramLabel = "FILE", description = "CSV of interactions, with a header line.")
  Path interactions;

  @Option(names = "--user-col", required = true, description = "Column of user ids.")
  String userCol;

  @Option(names = "--item-col", required = true, description = "Column of item ids (integers).")
  String itemCol;

  @Option(names = "--rating-col", description = "Column of ratings (optional).")
  String ratingCol;

  @Option(names = "--min-rating", description = "Keep only rows rated at least this (needs --rating-col).")
  Double minRating;

  @Option(names = "--time-col", description = "Column of times (integers, larger is later); without it the split is random per user.")
  String timeCol;

  @Option(names = "--holdout", defaultValue = "0.2", description = "Fraction of each user's interactions held out, in (0, 1); default ${DEFAULT-VALUE}.")
  double holdout;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the random split, ALS and the ranker; default ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--k", defaultValue = "10", description = "Cut-off of nDCG, MAP, recall and coverage; default ${DEFAULT-VALUE}.")
  int k;

  @Option(names = "--json", paramLabel = "OUT.json", description = "Also write the report as JSON here.")
  Path json;

  @Option(names = "--candidates", defaultValue = "300", description = "Candidates retrieval passes to ranking; default ${DEFAULT-VALUE}.")
  int candidates;

  @Option(names = "--factors", defaultValue = "64", description = "ALS embedding dimension; default ${DEFAULT-VALUE}.")
  int factors;

  @Option(names = "--iterations", defaultValue = "10", description = "ALS iterations; default ${DEFAULT-VALUE}.")
  int iterations;

  @Option(names = "--regularization", defaultValue = "20", description = "ALS L2 penalty; default ${DEFAULT-VALUE}.")
  double regularization;

  @Option(names = "--trees", defaultValue = "300", description = "Most LambdaMART trees (the number is chosen by 5-fold cross-validation); default ${DEFAULT-VALUE}.")
  int trees;

  @Option(names = "--depth", defaultValue = "4", description = "LambdaMART tree depth; default ${DEFAULT-VALUE}.")
  int depth;

  @Option(names = "--out", paramLabel = "DIR", description = "Keep the embeddings (.npy) and the ranker (XGBoost JSON) here; default: a temporary directory, deleted.")
  Path out;

  @Override
  public Integer call() throws Exception {
    CommandLine cl = spec.commandLine();
    if (!(holdout > 0 && holdout < 1)) {
      throw new CommandLine.ParameterException(cl, "--holdout must be in (0, 1), was " + holdout);
    }
    positive("--k", k);
    positive("--candidates", candidates);
    positive("--factors", factors);
    positive("--iterations", iterations);
    positive("--trees", trees);
    positive("--depth", depth);
    if (!(regularization > 0)) {
      throw new CommandLine.ParameterException(cl, "--regularization must be positive, was " + regularization);
    }
    if (minRating != null && ratingCol == null) {
      throw new CommandLine.ParameterException(cl, "--min-rating " + minRating + " needs --rating-col");
    }
    PrintWriter err = cl.getErr();
    Interactions log;
    try {
      InteractionsCsv.Builder reader = InteractionsCsv.builder(userCol, itemCol)
          .ratingColumn(ratingCol).timeColumn(timeCol);
      if (minRating != null) {
        reader.minRating(minRating);
      }
      log = reader.build().read(interactions);
    } catch (NoSuchFileException e) {
      throw new CommandLine.ParameterException(cl, "--interactions: no such file: " + interactions);
    } catch (IllegalArgumentException | IOException e) {
      throw new CommandLine.ParameterException(cl, "--interactions: " + e.getMessage());
    }
    if (log.size() == 0) {
      throw new CommandLine.ParameterException(cl, "--interactions: " + interactions + " has no interactions"
          + (minRating == null ? "" : " rated at least " + minRating));
    }
    Split split = Split.of(log, holdout, seed);
    if (split.heldOut().isEmpty()) {
      throw new CommandLine.ParameterException(cl, "--interactions: no user has two interactions to split");
    }
    err.printf(Locale.ROOT, "read %,d interactions of %,d users; %s split, holdout %.2f%n",
        log.size(), log.userCount(), split.kind(), holdout);
    err.flush();
    Path dir = out != null ? out : Files.createTempDirectory("shortlist-eval");
    try {
      ImplicitAls als = ImplicitAls.builder().factors(factors).iterations(iterations)
          .regularization(regularization).seed(seed).build();
      OfflineEvaluation.PipelineFactory pipeline = train -> {
        Embeddings e = als.fit(train);
        e.write(dir.resolve("embeddings"));
        return new OfflineEvaluation.Pipeline(
            List.of(e.userHydrator()),
            List.of(EmbeddingSource.builder("als", e.itemIndex()).k(candidates).build()),
            InteractionFeatures.builder(train).build());
      };
      EvaluationReport report = OfflineEvaluation.builder(split, pipeline,
              new LambdaMartTrainer(dir.resolve("ranker.json"), trees, depth, seed, line -> {
                err.println(line);
                err.flush();
              }))
          .selector(TopKSelector::create)
          .candidates(candidates)
          .k(k)
          .seed(seed)
          .progress(line -> {
            err.println(line);
            err.flush();
          })
          .build()
          .run();
      PrintWriter o = cl.getOut();
      o.print(report.toTable());
      o.flush();
      if (json != null) {
        Files.writeString(json, report.toJson(), StandardCharsets.UTF_8);
        err.println("wrote " + json);
        err.flush();
      }
      return 0;
    } finally {
      if (out == null) {
        deleteTree(dir);
      }
    }
  }

  private void positive(String name, int value) {
    if (value <= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), name + " must be positive, was " + value);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
