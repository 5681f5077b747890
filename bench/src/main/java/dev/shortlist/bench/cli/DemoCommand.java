package dev.shortlist.bench.cli;

import dev.shortlist.bench.workload.SyntheticCatalog;
import dev.shortlist.core.CandidateSource;
import dev.shortlist.core.Candidates;
import dev.shortlist.core.Filters;
import dev.shortlist.core.Interaction;
import dev.shortlist.core.Query;
import dev.shortlist.core.QueryHydrator;
import dev.shortlist.core.QueryKey;
import dev.shortlist.core.Recommender;
import dev.shortlist.core.Request;
import dev.shortlist.core.Response;
import dev.shortlist.ranking.FeatureAssembly;
import dev.shortlist.ranking.LinearScorer;
import dev.shortlist.ranking.TopKSelector;
import dev.shortlist.retrieval.EmbeddingSource;
import dev.shortlist.retrieval.ExactIndex;
import dev.shortlist.retrieval.ItemToItemSource;
import dev.shortlist.retrieval.Metric;
import dev.shortlist.retrieval.VectorIndex;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shortlist demo}: builds a synthetic catalogue, serves requests through the full
 * two-stage pipeline and prints the latency against the budget.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Builds a synthetic catalogue (clustered embeddings, Zipf popularity), simulates users and",
      "serves requests through the full pipeline: hydrate, retrieve from three sources, merge,",
      "filter seen items, assemble features, score with a linear model, select the top items.",
      "Prints p50/p95/p99 latency against the budget, candidates per source and degradations."
    })
final class DemoCommand implements java.util.concurrent.Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--items", description = "Catalogue size (default: ${DEFAULT-VALUE}).")
  int items = 100_000;

  @Option(names = "--dim", description = "Embedding dimension (default: ${DEFAULT-VALUE}).")
  int dim = 64;

  @Option(names = "--users", description = "Simulated users (default: ${DEFAULT-VALUE}).")
  int users = 10_000;

  @Option(names = "--requests", description = "Measured requests (default: ${DEFAULT-VALUE}).")
  int requests = 10_000;

  @Option(
      names = "--warmup",
      description = "Requests served before measuring, to warm up the JIT (default: ${DEFAULT-VALUE}).")
  int warmup = 1_000;

  @Option(names = "--threads", description = "Client threads (default: ${DEFAULT-VALUE}).")
  int threads = 2;

  @Option(names = "--size", description = "Items per response (default: ${DEFAULT-VALUE}).")
  int size = 20;

  @Option(
      names = "--ann-k",
      description = "Candidates from the embedding source (default: ${DEFAULT-VALUE}).")
  int annK = 500;

  @Option(names = "--budget-ms", description = "Latency budget in ms (default: ${DEFAULT-VALUE}).")
  int budgetMs = 100;

  @Option(
      names = "--click-rate",
      description = "Share of responses followed by a click event (default: ${DEFAULT-VALUE}).")
  double clickRate = 0.3;

  @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  private static final int HISTORY = 20;
  private static final int POPULAR = 300;
  private static final int RECENT_ITEMS = 2;
  private static final int RECENT_K = 100;

  @Override
  public Integer call() {
    validate();
    PrintWriter out = spec.commandLine().getOut();
    int clusters = Math.max(10, Math.min(1_000, items / 1_000));
    out.println("Shortlist demo: two-stage recommendation on a synthetic catalogue");
    out.printf(Locale.ROOT, "  catalogue  %,d items x %d dims in %d clusters, Zipf(1.0) popularity; %,d users%n",
        items, dim, clusters, users);
    out.printf(Locale.ROOT, "  retrieval  exact index (%s); sources ann (k=%d), recent-similar (%d x k=%d), popular (%d)%n",
        ExactIndex.vectorImplementation(), annK, RECENT_ITEMS, RECENT_K, POPULAR);
    out.printf(Locale.ROOT, "  ranking    6 features, linear scorer, top-%d; budget %d ms%n", size, budgetMs);
    out.println();

    Progress p = new Progress("generating items", items, out);
    SyntheticCatalog catalog = new SyntheticCatalog(items, dim, clusters, 1.0, seed, p::update);
    p.done();

    VectorIndex index = ExactIndex.create(dim, Metric.COSINE);
    p = new Progress("indexing items", items, out);
    for (int i = 0; i < items; i++) {
      index.upsert(i, catalog.vector(i));
      if ((i & 4095) == 0) {
        p.update(i);
      }
    }
    p.done();

    SyntheticCatalog.User[] people = new SyntheticCatalog.User[users];
    p = new Progress("simulating users", users, out);
    for (int u = 0; u < users; u++) {
      people[u] = catalog.user(u, HISTORY);
      if ((u & 1023) == 0) {
        p.update(u);
      }
    }
    p.done();

    Map<String, float[]> embeddings = new ConcurrentHashMap<>();
    for (SyntheticCatalog.User u : people) {
      embeddings.put(u.id(), u.embedding());
    }
    try (Recommender recommender = buildPipeline(catalog, index, embeddings)) {
      Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
      for (SyntheticCatalog.User u : people) {
        for (int h = 0; h < u.history().length; h++) {
          recommender.record(new Interaction(u.id(), u.history()[h], "view", 1f, t0.plusSeconds(h)));
        }
      }
      return serve(recommender, people, out);
    }
  }

  private void validate() {
    check(items >= 1_000 && items <= 20_000_000, "--items must be in [1000, 20000000], was " + items);
    check(dim >= 2 && dim <= 4_096, "--dim must be in [2, 4096], was " + dim);
    check(users >= 1 && users <= 10_000_000, "--users must be in [1, 10000000], was " + users);
    check(requests >= 1, "--requests must be positive, was " + requests);
    check(warmup >= 0, "--warmup must not be negative, was " + warmup);
    check(threads >= 1 && threads <= 256, "--threads must be in [1, 256], was " + threads);
    check(size >= 1 && size <= 1_000, "--size must be in [1, 1000], was " + size);
    check(annK >= 1 && annK <= 100_000, "--ann-k must be in [1, 100000], was " + annK);
    check(budgetMs >= 1, "--budget-ms must be positive, was " + budgetMs);
    check(clickRate >= 0 && clickRate <= 1, "--click-rate must be in [0, 1], was " + clickRate);
  }

  private void check(boolean ok, String message) {
    if (!ok) {
      throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }

  private Recommender buildPipeline(
      SyntheticCatalog catalog, VectorIndex index, Map<String, float[]> embeddings) {
    QueryHydrator<float[]> userEmbedding = QueryHydrator.userEmbedding(embeddings::get);
    int[] top = catalog.mostPopular(POPULAR);
    Candidates.Builder pb = Candidates.builder("popular", top.length);
    for (int id : top) {
      pb.add(id, catalog.popularity(id));
    }
    Candidates popular = pb.build();
    CandidateSource popularSource =
        new CandidateSource() {
          @Override
          public String name() {
            return "popular";
          }

          @Override
          public Candidates retrieve(Query query) {
            return popular; // immutable, shared by every request
          }
        };
    CandidateSource recentSimilar =
        ItemToItemSource.builder("recent-similar", index).seeds(RECENT_ITEMS).k(RECENT_K).build();
    FeatureAssembly features =
        FeatureAssembly.builder("features")
            .feature("retrieval_score", (q, c, r) -> c.retrievalScore(r))
            .feature("log_popularity", (q, c, r) -> (float) Math.log(catalog.popularity((int) c.id(r))))
            .feature("similarity", (q, c, r) ->
                q.get(QueryKey.USER_EMBEDDING).map(e -> catalog.dot(e, (int) c.id(r))).orElse(Float.NaN))
            .feature("from_ann", (q, c, r) -> c.source(r).equals("ann") ? 1 : 0)
            .feature("from_recent", (q, c, r) -> c.source(r).equals("recent-similar") ? 1 : 0)
            .feature("from_popular", (q, c, r) -> c.source(r).equals("popular") ? 1 : 0)
            .build();
    LinearScorer model =
        LinearScorer.builder("linear")
            .weight("similarity", 2.0f)
            .weight("log_popularity", 0.15f)
            .weight("retrieval_score", 0.3f)
            .weight("from_recent", 0.1f)
            .build();
    return Recommender.builder()
        .hydrator(userEmbedding)
        .source(EmbeddingSource.builder("ann", index).k(annK).build())
        .source(recentSimilar)
        .source(popularSource)
        .filter(Filters.seen())
        .features(features)
        .scorer(model)
        .selector(TopKSelector.create())
        .build();
  }

  private int serve(Recommender recommender, SyntheticCatalog.User[] people, PrintWriter out) {
    int total = warmup + requests;
    long[] latencies = new long[requests];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    LongAdder degraded = new LongAdder();
    LongAdder merged = new LongAdder();
    Map<String, LongAdder> perSource = new ConcurrentHashMap<>();
    Map<String, LongAdder> perStage = new ConcurrentHashMap<>();
    Duration budget = Duration.ofMillis(budgetMs);
    Progress p = new Progress("serving requests", total, out);
    long[] window = new long[2];
    Runnable worker =
        () -> {
          SplittableRandom rnd = new SplittableRandom(seed ^ Thread.currentThread().threadId());
          int n;
          while ((n = next.getAndIncrement()) < total) {
            SyntheticCatalog.User user = people[rnd.nextInt(people.length)];
            Request request = Request.forUser(user.id()).size(size).budget(budget).build();
            long s = System.nanoTime();
            Response r = recommender.recommend(request);
            long e = System.nanoTime();
            if (n >= warmup) {
              latencies[n - warmup] = e - s;
              if (r.degraded()) {
                degraded.increment();
              }
              merged.add(r.trace().mergedCandidates());
              r.trace().candidatesPerSource().forEach(
                  (k, v) -> perSource.computeIfAbsent(k, x -> new LongAdder()).add(v));
              r.trace().stageNanos().forEach(
                  (k, v) -> perStage.computeIfAbsent(k, x -> new LongAdder()).add(v));
            }
            if (!r.items().isEmpty() && rnd.nextDouble() < clickRate) {
              long clicked = r.items().get(rnd.nextInt(r.items().size())).id();
              recommender.record(new Interaction(user.id(), clicked, "click", 1f, Instant.now()));
            }
            int c = completed.incrementAndGet();
            if (c == warmup) {
              window[0] = System.nanoTime();
            }
          }
        };
    Thread[] workers = new Thread[threads];
    window[0] = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      workers[t] = Thread.ofPlatform().name("shortlist-demo-client-" + t).start(worker);
    }
    while (true) {
      boolean alive = false;
      for (Thread w : workers) {
        try {
          w.join(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return 130;
        }
        alive |= w.isAlive();
      }
      p.update(completed.get());
      if (!alive) {
        break;
      }
    }
    window[1] = System.nanoTime();
    p.done();

    Arrays.sort(latencies);
    double seconds = (window[1] - window[0]) / 1e9;
    double p50 = ms(percentile(latencies, 0.50));
    double p95 = ms(percentile(latencies, 0.95));
    double p99 = ms(percentile(latencies, 0.99));
    double max = ms(latencies[latencies.length - 1]);
    boolean within = p99 <= budgetMs;
    out.println();
    out.printf(Locale.ROOT, "Served %,d requests on %d threads (after %,d warm-up requests); %.0f%% followed by a click event%n",
        requests, threads, warmup, clickRate * 100);
    out.printf(Locale.ROOT, "  latency     p50 %.2f ms   p95 %.2f ms   p99 %.2f ms   max %.2f ms%n", p50, p95, p99, max);
    out.printf(Locale.ROOT, "  budget      %d ms: p99 is %s (%.1f%% of the budget)%n", budgetMs,
        within ? "within budget" : "OVER BUDGET", 100 * p99 / budgetMs);
    out.printf(Locale.ROOT, "  throughput  %,.0f requests/s%n", requests / Math.max(seconds, 1e-9));
    StringBuilder sources = new StringBuilder();
    for (String name : List.of("ann", "recent-similar", "popular")) {
      LongAdder a = perSource.get(name);
      sources.append(String.format(Locale.ROOT, "%s %.1f, ", name, a == null ? 0.0 : a.sum() / (double) requests));
    }
    out.printf(Locale.ROOT, "  candidates  per request (mean): %s%.1f after merging%n", sources,
        merged.sum() / (double) requests);
    out.printf(Locale.ROOT, "  degraded    %,d of %,d responses%n", degraded.sum(), requests);
    StringBuilder stages = new StringBuilder();
    perStage.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
        .forEach(e -> stages.append(String.format(Locale.ROOT, "%s %.3f, ", e.getKey(),
            e.getValue().sum() / 1e6 / requests)));
    if (stages.length() > 2) {
      stages.setLength(stages.length() - 2);
    }
    out.printf(Locale.ROOT, "  stages      mean ms per request: %s%n", stages);
    out.flush();
    return 0;
  }

  private static long percentile(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
