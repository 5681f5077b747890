package dev.shortlist.examples.quickstart;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.Filters;
import dev.shortlist.core.Interaction;
import dev.shortlist.core.QueryHydrator;
import dev.shortlist.core.QueryKey;
import dev.shortlist.core.Recommender;
import dev.shortlist.core.Request;
import dev.shortlist.core.Response;
import dev.shortlist.core.UserActivity;
import dev.shortlist.ranking.FeatureAssembly;
import dev.shortlist.ranking.LinearScorer;
import dev.shortlist.ranking.TopKSelector;
import dev.shortlist.retrieval.EmbeddingSource;
import dev.shortlist.retrieval.ExactIndex;
import dev.shortlist.retrieval.Metric;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The smallest complete use of Shortlist, quoted in the README: index item embeddings, build a
 * recommender, serve a request, record an event, serve again. {@code QuickStartTest} runs it and
 * checks that the README quotes it verbatim.
 */
public final class QuickStart {

  private QuickStart() {}

  /** Returns the two responses, before and after the user's click. */
  public static Response[] run() {
    // README:begin
    // 1. Index item embeddings (any VectorIndex: exact, Lucene HNSW, FAISS).
    ExactIndex index = ExactIndex.create(2, Metric.COSINE);
    index.upsert(1, new float[] {1.0f, 0.0f});
    index.upsert(2, new float[] {0.9f, 0.1f});
    index.upsert(3, new float[] {0.0f, 1.0f});
    Map<String, float[]> userEmbeddings = Map.of("alice", new float[] {1.0f, 0.0f});

    // 2. Describe the pipeline: hydrate, retrieve, filter, features, score, select.
    QueryHydrator<float[]> embedding = new QueryHydrator<>() {
      public String name() { return "user-embedding"; }
      public QueryKey<float[]> key() { return QueryKey.USER_EMBEDDING; }
      public float[] hydrate(Request r, UserActivity a, Deadline d) {
        return userEmbeddings.get(r.userId());
      }
    };
    try (Recommender recommender = Recommender.builder()
        .hydrator(embedding)
        .source(EmbeddingSource.builder("ann", index).k(100).build())
        .filter(Filters.seen())
        .features(FeatureAssembly.builder("features")
            .feature("similarity", (query, candidates, row) -> candidates.retrievalScore(row))
            .build())
        .scorer(LinearScorer.builder("linear").weight("similarity", 1.0f).build())
        .selector(TopKSelector.create())
        .build()) {

      // 3. Serve requests; record what users do, and the next request sees it at once.
      //    (The default budget is 100 ms; a cold JVM's first request can need more.)
      Request request = Request.forUser("alice").size(2).budget(Duration.ofSeconds(1)).build();
      Response before = recommender.recommend(request);
      recommender.record(new Interaction("alice", 1, "click", 1.0f, Instant.now()));
      Response after = recommender.recommend(request);
      // before.ids() == [1, 2]; after.ids() == [2, 3]: item 1 was seen.
      // README:end
      return new Response[] {before, after};
    }
  }

  public static void main(String[] args) {
    Response[] r = run();
    System.out.println("before the click: " + java.util.Arrays.toString(r[0].ids()));
    System.out.println("after the click:  " + java.util.Arrays.toString(r[1].ids()));
  }
}
