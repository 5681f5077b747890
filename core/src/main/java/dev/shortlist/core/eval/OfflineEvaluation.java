package dev.shortlist.core.eval;

import dev.shortlist.core.CandidateSource;
import dev.shortlist.core.Candidates;
import dev.shortlist.core.FeatureAssembler;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.IdSet;
import dev.shortlist.core.Interaction;
import dev.shortlist.core.Query;
import dev.shortlist.core.QueryHydrator;
import dev.shortlist.core.Recommender;
import dev.shortlist.core.Request;
import dev.shortlist.core.Response;
import dev.shortlist.core.Scorer;
import dev.shortlist.core.Selector;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs the offline protocol of a two-stage recommender on a {@link Split} and compares three
 * methods in one {@link EvaluationReport}:
 *
 * <ul>
 *   <li>{@code popularity}: the most frequent training items the user has not interacted with;
 *   <li>{@code retrieval}: the pipeline's candidates in retrieval order;
 *   <li>{@code two-stage}: the same candidates re-ranked by a learned scorer over assembled
 *       features.
 * </ul>
 *
 * <p><b>Protocol.</b>
 *
 * <ol>
 *   <li>The training interactions are split again, the same way as the test split (temporal or
 *       random, same holdout): the earlier part fits a pipeline (the {@link PipelineFactory}
 *       trains embeddings on it), whose candidates for each user are labelled by the later
 *       validation part. Users are divided at random (seeded) into ranker-training and
 *       ranker-validation groups; groups without a positive are dropped. The
 *       {@link RankerTrainer} learns a {@link Scorer} from them (the validation groups are for
 *       choosing the model's size, by early stopping or cross-validation). The test holdout is
 *       never seen.
 *   <li>The pipeline is fitted again on all training interactions, and each method answers one
 *       request per test user through a {@link Recommender}, excluding the user's training items,
 *       after all training interactions were {@linkplain Recommender#record recorded} (time
 *       column as epoch seconds, or row order without one).
 *   <li>Each response of {@code max(100, k, candidates)} items is scored against the user's
 *       held-out items: nDCG@k, MAP@k, recall@k, recall@100, catalogue coverage of the top-k
 *       lists (over the training items), and recall@candidates (for {@code retrieval}, the recall
 *       of the candidate set that ranking sees). Means over test users. The latency of each
 *       {@code recommend} call is measured on the calling thread (after a warm-up pass over the
 *       first users).
 * </ol>
 *
 * <p>Not thread-safe: run one evaluation at a time per instance.
 */
public final class OfflineEvaluation {

  /** Builds the retrieval and feature stages of a pipeline from training interactions. */
  @FunctionalInterface
  public interface PipelineFactory {
    /** A pipeline fitted on {@code train} (embeddings learned, statistics counted). */
    Pipeline fit(Interactions train) throws Exception;
  }

  /**
   * The stages a fitted pipeline contributes: hydrators (e.g. the user's embedding), candidate
   * sources, and the feature assembly the ranker reads.
   */
  public record Pipeline(List<QueryHydrator<?>> hydrators, List<CandidateSource> sources,
      FeatureAssembler features) {
    public Pipeline {
      hydrators = List.copyOf(hydrators);
      sources = List.copyOf(sources);
      Objects.requireNonNull(features, "features");
      if (sources.isEmpty()) {
        throw new IllegalArgumentException("a pipeline needs at least one candidate source");
      }
    }
  }

  /** Learns a ranking scorer from labelled candidates. */
  @FunctionalInterface
  public interface RankerTrainer {
    /**
     * A scorer trained on {@code train}, with {@code validation} for choosing its size (early
     * stopping, or pooled with {@code train} for cross-validation); it must read
     * the features of {@link RankingData#schema()}.
     */
    Scorer train(RankingData train, RankingData validation) throws Exception;
  }

  private final Split split;
  private final PipelineFactory factory;
  private final RankerTrainer trainer;
  private final Supplier<Selector> selector;
  private final int k;
  private final int candidates;
  private final long seed;
  private final Duration budget;
  private final Consumer<String> progress;

  private OfflineEvaluation(Builder b) {
    this.split = b.split;
    this.factory = b.factory;
    this.trainer = b.trainer;
    this.selector = b.selector;
    this.k = b.k;
    this.candidates = b.candidates;
    this.seed = b.seed;
    this.budget = b.budget;
    this.progress = b.progress;
  }

  /** Starts an evaluation of {@code split}. */
  public static Builder builder(Split split, PipelineFactory factory, RankerTrainer trainer) {
    return new Builder(split, factory, trainer);
  }

  /** Runs the protocol; see the class comment. */
  public EvaluationReport run() throws Exception {
    Interactions train = split.train();
    // 1. Ranker training data from a validation split of the training period.
    Split inner = split.validation(seed ^ 0x5DEECE66DL);
    progress.accept("fitting the pipeline on " + inner.train().size()
        + " interactions for ranker training data");
    Pipeline early = factory.fit(inner.train());
    RankingData[] data = rankingData(early, inner);
    progress.accept("training the ranker on " + data[0].rows() + " rows ("
        + data[0].groups().length + " users), validating on " + data[1].rows() + " rows");
    Scorer ranker = trainer.train(data[0], data[1]);

    // 2. The three methods, fitted on all the training interactions.
    progress.accept("fitting the pipeline on " + train.size() + " interactions");
    Pipeline full = factory.fit(train);
    Map<String, Set<Long>> trainItems = itemsByUser(train);
    int size = Math.max(Math.max(100, k), candidates);
    List<MethodResult> results = new ArrayList<>();
    try (Recommender popularity = recommender(train, b -> b.source(PopularitySource.of(train, size)))) {
      results.add(evaluate("popularity", popularity, trainItems, size, train));
    }
    try (Recommender retrieval = recommender(train, b -> addStages(b, full, false))) {
      results.add(evaluate("retrieval", retrieval, trainItems, size, train));
    }
    try (Recommender twoStage = recommender(train, b -> addStages(b, full, true).scorer(ranker))) {
      results.add(evaluate("two-stage", twoStage, trainItems, size, train));
    }
    return new EvaluationReport(split.kind(), split.holdout(), train.size(), trainItems.size(),
        train.distinctItems().length, split.heldOut().size(), split.heldOutCount(), candidates,
        results);
  }

  private static Recommender.Builder addStages(Recommender.Builder b, Pipeline p, boolean features) {
    p.hydrators().forEach(b::hydrator);
    p.sources().forEach(b::source);
    if (features) {
      b.features(p.features());
    }
    return b;
  }

  private Recommender recommender(Interactions train, Consumer<Recommender.Builder> stages) {
    Recommender.Builder b = Recommender.builder().selector(selector.get()).maxRecentInteractions(50);
    stages.accept(b);
    Recommender r = b.build();
    for (int i = 0; i < train.size(); i++) {
      r.record(interaction(train, i));
    }
    return r;
  }

  private static Interaction interaction(Interactions log, int row) {
    float rating = log.rating(row);
    return new Interaction(log.user(row), log.item(row), "train",
        Float.isNaN(rating) ? 1f : rating,
        Instant.ofEpochSecond(log.hasTimes() ? log.time(row) : row));
  }

  private Request request(String user, Set<Long> seen, int size) {
    long[] ex = seen == null ? new long[0] : seen.stream().mapToLong(Long::longValue).toArray();
    return Request.forUser(user).size(size).exclude(ex).budget(budget).build();
  }

  /** [ranker training, ranker validation] from candidates of {@code p} labelled by {@code inner}. */
  private RankingData[] rankingData(Pipeline p, Split inner) throws Exception {
    Map<String, Candidates> captured = new ConcurrentHashMap<>();
    Scorer capture = new Scorer() {
      @Override
      public String name() {
        return "capture";
      }

      @Override
      public float[] score(Query query, Candidates c) {
        captured.put(query.userId(), c);
        return c.scores();
      }
    };
    Map<String, Set<Long>> seen = itemsByUser(inner.train());
    try (Recommender r = recommender(inner.train(), b -> addStages(b, p, true).scorer(capture))) {
      for (String user : inner.heldOut().keySet()) {
        r.recommend(request(user, seen.get(user), candidates));
      }
    }
    List<String> users = new ArrayList<>(inner.heldOut().keySet());
    java.util.Collections.shuffle(users, new Random(seed));
    int cut = (int) Math.round(users.size() * 0.8);
    return new RankingData[] {
      collect(users.subList(0, cut), captured, inner, p.features()),
      collect(users.subList(cut, users.size()), captured, inner, p.features())
    };
  }

  private static RankingData collect(List<String> users, Map<String, Candidates> captured,
      Split inner, FeatureAssembler assembler) {
    int cols = assembler.schema().size();
    List<float[]> feats = new ArrayList<>();
    List<float[]> labels = new ArrayList<>();
    List<Integer> groups = new ArrayList<>();
    for (String user : users) {
      Candidates c = captured.get(user);
      if (c == null || c.isEmpty() || c.features() == null) {
        continue;
      }
      Set<Long> relevant = asSet(inner.heldOut().get(user));
      float[] l = new float[c.size()];
      boolean any = false;
      for (int i = 0; i < l.length; i++) {
        if (relevant.contains(c.id(i))) {
          l[i] = 1;
          any = true;
        }
      }
      if (!any) {
        continue;
      }
      FeatureMatrix m = c.features();
      feats.add(Arrays.copyOf(m.array(), c.size() * cols));
      labels.add(l);
      groups.add(c.size());
    }
    int rows = groups.stream().mapToInt(Integer::intValue).sum();
    float[] f = new float[rows * cols];
    float[] y = new float[rows];
    int at = 0;
    for (int g = 0; g < groups.size(); g++) {
      System.arraycopy(feats.get(g), 0, f, at * cols, groups.get(g) * cols);
      System.arraycopy(labels.get(g), 0, y, at, groups.get(g));
      at += groups.get(g);
    }
    return new RankingData(assembler.schema(), f, y,
        groups.stream().mapToInt(Integer::intValue).toArray());
  }

  private MethodResult evaluate(String method, Recommender r, Map<String, Set<Long>> trainItems,
      int size, Interactions train) {
    progress.accept("evaluating " + method + " on " + split.heldOut().size() + " test users");
    List<String> users = new ArrayList<>(split.heldOut().keySet());
    // Warm-up: JIT-compile the request path before timing.
    for (int i = 0; i < Math.min(users.size(), 50); i++) {
      String u = users.get(i);
      r.recommend(request(u, trainItems.get(u), size));
    }
    String kName = "@" + k;
    double ndcg = 0;
    double map = 0;
    double recallK = 0;
    double recall100 = 0;
    double recallC = 0;
    int degraded = 0;
    long[] nanos = new long[users.size()];
    Set<Long> recommended = new HashSet<>();
    for (int u = 0; u < users.size(); u++) {
      String user = users.get(u);
      Request request = request(user, trainItems.get(user), size);
      long t0 = System.nanoTime();
      Response response = r.recommend(request);
      nanos[u] = System.nanoTime() - t0;
      if (response.degraded()) {
        degraded++;
      }
      long[] ranked = response.ids();
      Set<Long> relevant = asSet(split.heldOut().get(user));
      ndcg += RankingMetrics.ndcg(ranked, relevant, k);
      map += RankingMetrics.averagePrecision(ranked, relevant, k);
      recallK += RankingMetrics.recall(ranked, relevant, k);
      recall100 += RankingMetrics.recall(ranked, relevant, 100);
      recallC += RankingMetrics.recall(ranked, relevant, candidates);
      for (int i = 0; i < Math.min(k, ranked.length); i++) {
        recommended.add(ranked[i]);
      }
    }
    int n = Math.max(1, users.size());
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("ndcg" + kName, ndcg / n);
    metrics.put("map" + kName, map / n);
    metrics.put("recall" + kName, recallK / n);
    metrics.put("recall@100", recall100 / n);
    metrics.put("coverage", RankingMetrics.coverage(recommended, Math.max(1, train.distinctItems().length)));
    metrics.put("recall@" + candidates, recallC / n);
    Arrays.sort(nanos);
    return new MethodResult(method, metrics, percentile(nanos, 0.50) / 1e6,
        percentile(nanos, 0.99) / 1e6, degraded);
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int at = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, at))];
  }

  private static Set<Long> asSet(long[] items) {
    Set<Long> s = new HashSet<>();
    for (long i : items) {
      s.add(i);
    }
    return s;
  }

  private static Map<String, Set<Long>> itemsByUser(Interactions log) {
    Map<String, Set<Long>> out = new LinkedHashMap<>();
    for (int i = 0; i < log.size(); i++) {
      out.computeIfAbsent(log.user(i), u -> new HashSet<>()).add(log.item(i));
    }
    return out;
  }

  /** Configures an {@link OfflineEvaluation}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final Split split;
    private final PipelineFactory factory;
    private final RankerTrainer trainer;
    private Supplier<Selector> selector;
    private int k = 10;
    private int candidates = 300;
    private long seed = 1;
    private Duration budget = Duration.ofSeconds(2);
    private Consumer<String> progress = s -> {};

    private Builder(Split split, PipelineFactory factory, RankerTrainer trainer) {
      this.split = Objects.requireNonNull(split, "split");
      this.factory = Objects.requireNonNull(factory, "factory");
      this.trainer = Objects.requireNonNull(trainer, "trainer");
    }

    /** The selector each method's recommender uses, one new instance per recommender (required). */
    public Builder selector(Supplier<Selector> selector) {
      this.selector = Objects.requireNonNull(selector, "selector");
      return this;
    }

    /** The cut-off of nDCG, MAP, recall and coverage; default 10. */
    public Builder k(int k) {
      if (k <= 0) {
        throw new IllegalArgumentException("k must be positive, was " + k);
      }
      this.k = k;
      return this;
    }

    /**
     * How many candidates the pipeline's sources retrieve, for the recall of the candidate set
     * (the factory's sources must retrieve that many); default 300.
     */
    public Builder candidates(int candidates) {
      if (candidates <= 0 || candidates > Request.MAX_SIZE) {
        throw new IllegalArgumentException(
            "candidates must be in [1, " + Request.MAX_SIZE + "], was " + candidates);
      }
      this.candidates = candidates;
      return this;
    }

    /** The seed of the random split of the training period and of the ranker's user groups. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * The latency budget of each request; default 2 s, generous so that a loaded machine does not
     * turn quality figures into timeout figures (degraded responses are counted in the report).
     */
    public Builder budget(Duration budget) {
      Objects.requireNonNull(budget, "budget");
      if (budget.isNegative() || budget.isZero()) {
        throw new IllegalArgumentException("budget must be positive, was " + budget);
      }
      this.budget = budget;
      return this;
    }

    /** Receives one line per protocol step; default: nothing. */
    public Builder progress(Consumer<String> progress) {
      this.progress = Objects.requireNonNull(progress, "progress");
      return this;
    }

    /**
     * Builds the evaluation.
     *
     * @throws IllegalStateException if no selector was given
     */
    public OfflineEvaluation build() {
      if (selector == null) {
        throw new IllegalStateException("a selector is required");
      }
      return new OfflineEvaluation(this);
    }
  }

  /** The popularity baseline: training items by interaction count, most frequent first. */
  static final class PopularitySource implements CandidateSource {
    private final long[] ranked;
    private final float[] counts;
    private final int k;

    private PopularitySource(long[] ranked, float[] counts, int k) {
      this.ranked = ranked;
      this.counts = counts;
      this.k = k;
    }

    static PopularitySource of(Interactions train, int k) {
      Map<Long, Integer> c = train.itemCounts();
      long[] ids = c.entrySet().stream()
          .sorted(Map.Entry.<Long, Integer>comparingByValue().reversed()
              .thenComparing(Map.Entry.comparingByKey()))
          .mapToLong(Map.Entry::getKey)
          .toArray();
      float[] counts = new float[ids.length];
      for (int i = 0; i < ids.length; i++) {
        counts[i] = c.get(ids[i]);
      }
      return new PopularitySource(ids, counts, k);
    }

    @Override
    public String name() {
      return "popularity";
    }

    @Override
    public Candidates retrieve(Query query) {
      IdSet ex = query.exclusions();
      Candidates.Builder b = Candidates.builder(name(), k);
      for (int i = 0; i < ranked.length && b.size() < k; i++) {
        if (!ex.contains(ranked[i])) {
          b.add(ranked[i], counts[i]);
        }
      }
      return b.build();
    }
  }
}
