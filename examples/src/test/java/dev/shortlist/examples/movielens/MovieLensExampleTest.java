package dev.shortlist.examples.movielens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.shortlist.core.eval.EvaluationReport;
import dev.shortlist.core.eval.MethodResult;
import dev.shortlist.retrieval.VectorFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MovieLens example end to end, with the settings the README's figures come from. */
class MovieLensExampleTest {

  @TempDir Path out;

  private static Path data() {
    String shared = System.getProperty("shortlist.shared.dir");
    Path dir = shared == null ? null : Path.of(shared, "data", "movielens-small");
    boolean present = dir != null && Files.isRegularFile(dir.resolve("ratings.csv"));
    if (!present) {
      // Surefire's console does not show assumption messages: say it where the build log shows it.
      System.err.println("SKIPPED MovieLensExampleTest: MovieLens small not found under"
          + " shortlist.shared.dir=" + shared + " (expects ../shared/data/movielens-small)");
    }
    assumeThat(present)
        .as("MovieLens small not found under shortlist.shared.dir=%s; skipping the example test", shared)
        .isTrue();
    return dir;
  }

  /** The example with the README's settings (about 40 s), and the quality goal. */
  @Test
  void example_trainsServesAndEvaluates_twoStageBeatsBothBaselines() throws Exception {
    Path data = data();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    EvaluationReport report = MovieLensExample.run(MovieLensExample.Settings.defaults(data, out),
        new PrintStream(log, true, StandardCharsets.UTF_8));

    assertThat(report.methods()).extracting(MethodResult::method)
        .containsExactly("popularity", "retrieval", "two-stage");
    assertThat(report.split()).isEqualTo("temporal");
    assertThat(report.testUsers()).isBetween(600, 671);
    for (MethodResult m : report.methods()) {
      assertThat(m.metrics()).containsOnlyKeys(
          "ndcg@10", "map@10", "recall@10", "recall@100", "coverage", "recall@300");
      assertThat(m.metric("ndcg@10")).as("%s ndcg@10", m.method()).isBetween(0.02, 0.5);
      assertThat(m.metric("recall@100")).as("%s recall@100", m.method()).isBetween(0.05, 0.9);
      assertThat(m.degraded()).isZero();
    }
    // The quality goal: two-stage beats retrieval only and is at least 1.5 x popularity.
    double popularity = report.method("popularity").metric("ndcg@10");
    double twoStage = report.method("two-stage").metric("ndcg@10");
    assertThat(twoStage).as("two-stage ndcg@10 vs retrieval")
        .isGreaterThan(report.method("retrieval").metric("ndcg@10"));
    assertThat(twoStage).as("two-stage ndcg@10 vs 1.5 x popularity")
        .isGreaterThanOrEqualTo(1.5 * popularity);
    // Learned methods recommend far more of the catalogue than popularity.
    assertThat(report.method("two-stage").metric("coverage"))
        .isGreaterThan(2 * report.method("popularity").metric("coverage"));
    // Ranking reorders the candidate set, so its recall at the candidate count equals retrieval's.
    assertThat(report.method("two-stage").metric("recall@300"))
        .isEqualTo(report.method("retrieval").metric("recall@300"));

    assertThat(VectorFiles.readFloats(out.resolve("embeddings/items.npy")).dimension()).isEqualTo(64);
    assertThat(Files.readString(out.resolve("ranker.json"))).contains("\"rank:ndcg\"");
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("5-fold cross-validated");
    assertThat(report.toTable()).contains("two-stage").contains("ndcg@10");
  }
}
