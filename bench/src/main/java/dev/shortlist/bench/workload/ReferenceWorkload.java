package dev.shortlist.bench.workload;

import dev.shortlist.bench.cli.Progress;
import dev.shortlist.core.CachedItemFeatures;
import dev.shortlist.core.CandidateSource;
import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureAssembler;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Filters;
import dev.shortlist.core.InMemoryItemFeatures;
import dev.shortlist.core.Interaction;
import dev.shortlist.core.ItemFeatureStore;
import dev.shortlist.core.Query;
import dev.shortlist.core.QueryHydrator;
import dev.shortlist.core.QueryKey;
import dev.shortlist.core.Recommender;
import dev.shortlist.core.Request;
import dev.shortlist.core.Scorer;
import dev.shortlist.core.Selector;
import dev.shortlist.core.Ticker;
import dev.shortlist.core.TrendingSource;
import dev.shortlist.core.UserActivity;
import dev.shortlist.ranking.DiversitySelector;
import dev.shortlist.ranking.FeatureAssembly;
import dev.shortlist.ranking.TreeEnsembleScorer;
import dev.shortlist.retrieval.EmbeddingSource;
import dev.shortlist.retrieval.ExactIndex;
import dev.shortlist.retrieval.FaissIndex;
import dev.shortlist.retrieval.ItemToItemSource;
import dev.shortlist.retrieval.LiveHnswIndex;
import dev.shortlist.retrieval.LuceneHnswIndex;
import dev.shortlist.retrieval.Metric;
import dev.shortlist.retrieval.VectorIndex;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * The reference workload the latency benchmarks ({@code shortlist bench}, {@code shortlist jmh},
 * the JMH request and stage benchmarks) serve: a {@link SyntheticCatalog} of {@code items}
 * clustered embeddings with Zipf popularity and {@value #ITEM_FEATURES} item features each;
 * {@code users} users with embeddings, {@value #HISTORY} recent interactions each and a Zipf
 * request frequency; and the full pipeline:
 *
 * <pre>
 * hydrate    user-embedding (from a simulated remote profile store; Caffeine-cached)
 * retrieve   ann           {@code candidates × 0.7} nearest items to the user (HNSW or exact)
 *            item-to-item  {@code candidates × 0.2} neighbours of the 2 most recent items
 *            trending      {@code candidates × 0.1} most-interacted items (forward-decayed counters)
 * filter     exclusions, seen items
 * features   {@value #FEATURES} columns: 13 computed (retrieval, sources, user·item similarity,
 *            recency and cluster affinity, context) + 27 item features (from a simulated remote
 *            feature store, behind a Caffeine cache)
 * score      a tree ensemble ({@code trees} trees of depth {@code depth}), trained here once
 *            with XGBoost4J on synthetic labels and served by the pure-Java TreeEnsembleScorer
 * select     MMR (λ = 0.8) to the response size
 * </pre>
 *
 * <p>The index and the model are built once and cached under {@code cacheRoot}, keyed by the
 * parameters they depend on (see {@link Spec#catalogueKey()}); later runs open them. Live
 * changes: {@link #upsertRandomItem} replaces an item's vector in the index and its features in
 * the store (the features' embedding and MMR keep the catalogue's vector); {@link #recordEvent}
 * feeds the recommender's recent activity and the trending counters.
 *
 * <p>The simulated remote stores wait (park, not spin) {@code storeRoundTrip} per batch plus
 * {@code storePerItem} per item fetched, as a network feature service would; with caching on,
 * Caffeine caches absorb most of it under the Zipf traffic.
 *
 * <p>Thread-safe: requests, events and upserts may run concurrently. {@link #close()} closes the
 * recommender and the index and deletes the serving copy of the index.
 */
public final class ReferenceWorkload implements AutoCloseable {

  /** Recent interactions recorded per user before serving. */
  public static final int HISTORY = 10;
  /** Item features in the store. */
  public static final int ITEM_FEATURES = 27;
  /** Columns of the assembled feature matrix. */
  public static final int FEATURES = 40;
  /** Bump when the catalogue, features or labels change, so caches are rebuilt. */
  private static final int VERSION = 1;
  private static final int HNSW_M = 16;
  private static final int HNSW_BEAM = 100;
  private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

  /**
   * The workload's parameters.
   *
   * @param items catalogue size
   * @param dim embedding dimension
   * @param users simulated users
   * @param candidates retrieval candidates per request, over the three sources (before merging)
   * @param trees trees in the model
   * @param depth depth of each tree
   * @param index {@code lucene-hnsw}, {@code live-hnsw}, {@code exact} or {@code faiss:<factory>}
   * @param seed random seed of everything generated
   */
  public record Spec(
      int items, int dim, int users, int candidates, int trees, int depth, String index,
      long seed) {

    /** The reference: 1M items × 64 dims, 100k users, 1,000 candidates, 300 trees of depth 6. */
    public static Spec reference() {
      return new Spec(1_000_000, 64, 100_000, 1_000, 300, 6, "live-hnsw", 42);
    }

    public Spec {
      check(items >= 1_000 && items <= 20_000_000, "items must be in [1000, 20000000], was " + items);
      check(dim >= 2 && dim <= 1_024, "dim must be in [2, 1024], was " + dim);
      check(users >= 1 && users <= 10_000_000, "users must be in [1, 10000000], was " + users);
      // The served index is opened from its saved directory, with the default largest k.
      check(candidates >= 10 && candidates <= LuceneHnswIndex.DEFAULT_MAX_K,
          "candidates must be in [10, " + LuceneHnswIndex.DEFAULT_MAX_K + "], was " + candidates);
      check(trees >= 1 && trees <= 5_000, "trees must be in [1, 5000], was " + trees);
      check(depth >= 1 && depth <= 12, "depth must be in [1, 12], was " + depth);
      Objects.requireNonNull(index, "index");
      IndexChoice.check(index);
    }

    public Spec withItems(int n) {
      return new Spec(n, dim, users, candidates, trees, depth, index, seed);
    }

    public Spec withDim(int d) {
      return new Spec(items, d, users, candidates, trees, depth, index, seed);
    }

    public Spec withUsers(int u) {
      return new Spec(items, dim, u, candidates, trees, depth, index, seed);
    }

    public Spec withCandidates(int c) {
      return new Spec(items, dim, users, c, trees, depth, index, seed);
    }

    public Spec withModel(int t, int d) {
      return new Spec(items, dim, users, candidates, t, d, index, seed);
    }

    int annK() {
      return Math.max(1, Math.round(candidates * 0.7f));
    }

    int itemToItemK() {
      return Math.max(1, Math.round(candidates * 0.1f)); // per seed, 2 seeds
    }

    int trendingK() {
      return Math.max(1, candidates - annK() - 2 * itemToItemK());
    }

    int clusters() {
      return Math.max(10, Math.min(1_000, items / 1_000));
    }

    /** The cache key of everything derived from the catalogue (index, model): a short hash. */
    public String catalogueKey() {
      return hash("v" + VERSION + "/items=" + items + "/dim=" + dim + "/seed=" + seed);
    }

    private static void check(boolean ok, String message) {
      if (!ok) {
        throw new IllegalArgumentException(message);
      }
    }
  }

  /**
   * How the workload serves.
   *
   * @param caching Caffeine caches on (user hydration, item features) or off
   * @param storeRoundTrip simulated latency of one batch fetch from a remote store
   * @param storePerItem simulated extra latency per item fetched
   * @param cacheRoot where built indexes and models are kept
   */
  public record Options(boolean caching, Duration storeRoundTrip, Duration storePerItem, Path cacheRoot) {

    /** The system property naming the cache directory (benchmarks pass it to forked JVMs). */
    public static final String CACHE_PROPERTY = "shortlist.cache.dir";

    public Options {
      Objects.requireNonNull(storeRoundTrip, "storeRoundTrip");
      Objects.requireNonNull(storePerItem, "storePerItem");
      Objects.requireNonNull(cacheRoot, "cacheRoot");
      if (storeRoundTrip.isNegative() || storePerItem.isNegative()) {
        throw new IllegalArgumentException(
            "store latencies must not be negative, were " + storeRoundTrip + " and " + storePerItem);
      }
    }

    /** Caching on, 100 µs per batch and 300 ns per item fetched, cache in {@link #defaultCacheRoot()}. */
    public static Options defaults() {
      return new Options(true, Duration.ofNanos(100_000), Duration.ofNanos(300), defaultCacheRoot());
    }

    public Options withCaching(boolean on) {
      return new Options(on, storeRoundTrip, storePerItem, cacheRoot);
    }

    public Options withCacheRoot(Path root) {
      return new Options(caching, storeRoundTrip, storePerItem, root);
    }

    public Options withStoreLatency(Duration roundTrip, Duration perItem) {
      return new Options(caching, roundTrip, perItem, cacheRoot);
    }

    /**
     * The system property {@value #CACHE_PROPERTY}, else {@code $SHORTLIST_CACHE}, else {@code
     * ~/.cache/shortlist}.
     */
    public static Path defaultCacheRoot() {
      String property = System.getProperty(CACHE_PROPERTY);
      if (property != null && !property.isBlank()) {
        return Path.of(property);
      }
      String env = System.getenv("SHORTLIST_CACHE");
      return env != null && !env.isBlank()
          ? Path.of(env)
          : Path.of(System.getProperty("user.home"), ".cache", "shortlist");
    }
  }

  private final Spec spec;
  private final Options options;
  private final SyntheticCatalog catalog;
  private final VectorIndex index;
  private final Path servingCopy;
  private final InMemoryItemFeatures itemStore;
  private final CachedItemFeatures itemCache;
  private final float[] userEmbeddings;
  /** Each user's history, most recent first: the items events draw "a later one" from. */
  private final long[][] histories;
  private final ZipfSampler userTraffic;
  private final ZipfSampler itemTraffic;
  private final int[] popularItems;
  private final TrendingSource trending;
  private final List<CandidateSource> sources;
  private final FeatureAssembly features;
  private final TreeEnsembleScorer scorer;
  private final DiversitySelector selector;
  private final Recommender recommender;
  private final String buildReport;

  private ReferenceWorkload(Spec spec, Options options, MeterRegistry registry, Ticker ticker,
      PrintWriter log) throws IOException {
    this.spec = spec;
    this.options = options;
    StringBuilder report = new StringBuilder();
    long t0 = System.nanoTime();
    catalog = new SyntheticCatalog(spec.items(), spec.dim(), spec.clusters(), 1.0, spec.seed(), n -> {});
    popularItems = catalog.mostPopular(Math.min(spec.items(), 100_000));
    itemTraffic = new ZipfSampler(popularItems.length, 1.0);
    log.printf(Locale.ROOT, "  catalogue  %,d items x %d dims in %d clusters (%.1f s)%n",
        spec.items(), spec.dim(), spec.clusters(), (System.nanoTime() - t0) / 1e9);

    Path dir = options.cacheRoot().resolve("workload-" + spec.catalogueKey());
    Files.createDirectories(dir);
    IndexChoice.Opened opened = IndexChoice.open(spec, catalog, dir, log);
    index = opened.index();
    servingCopy = opened.servingCopy();
    report.append(opened.report());
    log.print(opened.report());

    FeatureSchema itemSchema = FeatureSchema.of(itemFeatureNames());
    itemStore = InMemoryItemFeatures.create(itemSchema);
    float[] row = new float[ITEM_FEATURES];
    for (int i = 0; i < spec.items(); i++) {
      itemFeatures(i, new SplittableRandom(spec.seed() * 7919 + i), row);
      itemStore.put(i, row);
    }
    ItemFeatureStore remote = new SimulatedRemoteStore(itemStore, options);
    if (options.caching()) {
      itemCache = CachedItemFeatures.over(remote, 200_000, Duration.ofMinutes(10),
          "shortlist.item_features", registry);
    } else {
      itemCache = null;
    }

    userEmbeddings = new float[spec.users() * spec.dim()];
    histories = new long[spec.users()][];
    for (int u = 0; u < spec.users(); u++) {
      SyntheticCatalog.User user = catalog.user(u, HISTORY);
      System.arraycopy(user.embedding(), 0, userEmbeddings, u * spec.dim(), spec.dim());
      histories[u] = user.history();
    }
    userTraffic = new ZipfSampler(spec.users(), 1.0);

    trending = TrendingSource.builder("trending").k(spec.trendingK())
        .halfLife(Duration.ofMinutes(30)).refreshEvery(Duration.ofMillis(500)).ticker(ticker).build();
    SplittableRandom warm = new SplittableRandom(spec.seed() ^ 0x7e4d);
    for (int e = 0; e < 20_000; e++) {
      trending.record(popularItems[itemTraffic.sample(warm)], 1f);
    }
    trending.refresh();

    sources = List.of(
        EmbeddingSource.builder("ann", index).k(spec.annK()).build(),
        ItemToItemSource.builder("item-to-item", index).seeds(2).k(spec.itemToItemK()).build(),
        trending);
    features = assembly(options.caching() ? itemCache : remote);
    int before = report.length();
    scorer = model(spec, dir, log, report);
    log.print(report.substring(before));
    selector = DiversitySelector.builder("mmr").mmr(0.8, id -> catalog.vector((int) id)).build();

    recommender = Recommender.builder()
        .hydrator(new ProfileHydrator(options))
        .source(sources.get(0))
        .source(sources.get(1))
        .source(sources.get(2))
        .filter(Filters.seen())
        .features(features)
        .scorer(scorer)
        .selector(selector)
        .ticker(ticker)
        .meterRegistry(registry)
        .maxUsers(Math.max(spec.users(), 1))
        .hydrationCache(Math.max(1, spec.users() / 5), Duration.ofMinutes(10))
        .build();
    for (int u = 0; u < spec.users(); u++) {
      for (int h = 0; h < HISTORY; h++) {
        recommender.record(new Interaction(userId(u), histories[u][h], "view", 1f, EPOCH.plusSeconds(h)));
      }
    }
    buildReport = report.toString();
    log.printf(Locale.ROOT, "  ready      in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    log.flush();
  }

  /**
   * Builds (or opens from the cache) the workload.
   *
   * @param registry where the recommender and caches publish metrics
   * @param log receives progress and what was built or reused
   */
  public static ReferenceWorkload open(Spec spec, Options options, MeterRegistry registry,
      Ticker ticker, PrintWriter log) throws IOException {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(ticker, "ticker");
    Objects.requireNonNull(log, "log");
    return new ReferenceWorkload(spec, options, registry, ticker, log);
  }

  public Spec spec() {
    return spec;
  }

  public Recommender recommender() {
    return recommender;
  }

  /** What was built and what came from the cache, one line each. */
  public String buildReport() {
    return buildReport;
  }

  /**
   * The stages that run in parallel with each other, by phase (hydrators, then sources): a
   * request's critical path counts the slowest of each phase, not their sum.
   */
  public static List<List<String>> parallelPhases() {
    return List.of(List.of("user-embedding"), List.of("ann", "item-to-item", "trending"));
  }

  /** Every stage's name, in pipeline order. */
  public static List<String> stageOrder() {
    return List.of("user-embedding", "ann", "item-to-item", "trending", "exclusions", "seen",
        "features", "trees", "mmr");
  }

  /** The user id of user index {@code u}. */
  public static String userId(int u) {
    return "user-" + u;
  }

  /** A request from a user drawn by Zipf traffic, with a random context. */
  public Request request(SplittableRandom rnd, int size, Duration budget) {
    return Request.forUser(userId(userTraffic.sample(rnd)))
        .size(size)
        .budget(budget)
        .context("hour", Integer.toString(rnd.nextInt(24)))
        .context("device", Integer.toString(rnd.nextInt(3)))
        .build();
  }

  /**
   * One user event: a Zipf-drawn user interacts with a Zipf-drawn popular item (half the time)
   * or with one of the items nearest to their recent one (a later history item); recorded by the
   * recommender and the trending counters.
   */
  public Interaction recordEvent(SplittableRandom rnd) {
    int u = userTraffic.sample(rnd);
    long item = popularItems[itemTraffic.sample(rnd)];
    if (rnd.nextBoolean()) {
      item = histories[u][rnd.nextInt(histories[u].length)];
    }
    Interaction i = new Interaction(userId(u), item, "click", 1f, Instant.now());
    recommender.record(i);
    trending.record(i);
    return i;
  }

  /**
   * Replaces a random item's vector (its embedding moved a little) in the index and its features
   * in the store, invalidating the cached features.
   */
  public long upsertRandomItem(SplittableRandom rnd) {
    int id = rnd.nextInt(spec.items());
    float[] v = catalog.vector(id);
    float noise = (float) (0.2 / Math.sqrt(spec.dim()));
    double norm = 0;
    for (int d = 0; d < v.length; d++) {
      v[d] += noise * (float) rnd.nextGaussian();
      norm += v[d] * v[d];
    }
    float inv = (float) (1 / Math.sqrt(norm));
    for (int d = 0; d < v.length; d++) {
      v[d] *= inv;
    }
    index.upsert(id, v);
    float[] row = new float[ITEM_FEATURES];
    itemFeatures(id, rnd, row);
    itemStore.put(id, row);
    if (itemCache != null) {
      itemCache.invalidate(id);
    }
    return id;
  }

  // ---- the stages alone, for per-stage benchmarks ----

  /**
   * The query the pipeline's stages would see for a Zipf-drawn user, hydrated, with no deadline:
   * for benchmarks of single stages.
   */
  public Query stageQuery(SplittableRandom rnd) {
    Request request = request(rnd, 20, Request.DEFAULT_BUDGET);
    int u = Integer.parseInt(request.userId().substring(5));
    float[] e = new float[spec.dim()];
    System.arraycopy(userEmbeddings, u * spec.dim(), e, 0, spec.dim());
    UserActivity activity = recommender.activity(request.userId());
    return Query.of(request, Deadline.none(), activity, Map.of(QueryKey.USER_EMBEDDING, e));
  }

  /** The candidate sources, in pipeline order: ann, item-to-item, trending. */
  public List<CandidateSource> sources() {
    return sources;
  }

  /** Every source's candidates for {@code query}, merged and de-duplicated. */
  public Candidates retrieve(Query query) throws Exception {
    List<Candidates> parts = new ArrayList<>(sources.size());
    for (CandidateSource s : sources) {
      parts.add(s.retrieve(query));
    }
    return Candidates.merge(parts);
  }

  public FeatureAssembler features() {
    return features;
  }

  public Scorer scorer() {
    return scorer;
  }

  public Selector selector() {
    return selector;
  }

  @Override
  public void close() {
    try {
      recommender.close();
      index.close();
    } finally {
      if (servingCopy != null) {
        deleteRecursively(servingCopy);
      }
    }
  }

  // ---- features and the model ----

  private static List<String> itemFeatureNames() {
    List<String> names = new ArrayList<>(List.of(
        "log_popularity", "popularity", "cluster", "age_days", "price", "quality", "ctr_7d",
        "ctr_30d"));
    for (int j = names.size(); j < ITEM_FEATURES; j++) {
      names.add("attr_" + j);
    }
    return names;
  }

  /** Item {@code i}'s features; popularity from the catalogue, the rest drawn from {@code rnd}. */
  private void itemFeatures(int i, SplittableRandom rnd, float[] out) {
    float pop = catalog.popularity(i);
    out[0] = (float) Math.log(pop);
    out[1] = pop;
    out[2] = catalog.clusterOf(i);
    out[3] = (float) (rnd.nextDouble() * 365);
    out[4] = (float) Math.exp(2 + rnd.nextGaussian());
    out[5] = (float) rnd.nextDouble();
    out[6] = (float) (0.02 + 0.05 * rnd.nextDouble() + 0.01 * Math.log1p(pop * 1000));
    out[7] = out[6] * (float) (0.8 + 0.4 * rnd.nextDouble());
    for (int j = 8; j < ITEM_FEATURES; j++) {
      out[j] = (float) rnd.nextGaussian();
    }
  }

  private FeatureAssembly assembly(ItemFeatureStore store) {
    QueryKey<float[]> emb = QueryKey.USER_EMBEDDING;
    FeatureAssembly.Builder b = FeatureAssembly.builder("features")
        .feature("retrieval_score", (q, c, r) -> c.retrievalScore(r))
        .feature("from_ann", (q, c, r) -> c.source(r).equals("ann") ? 1 : 0)
        .feature("from_item_to_item", (q, c, r) -> c.source(r).equals("item-to-item") ? 1 : 0)
        .feature("from_trending", (q, c, r) -> c.source(r).equals("trending") ? 1 : 0)
        .feature("user_item_similarity", Float.NaN, (q, c, r) ->
            q.get(emb).map(e -> catalog.dot(e, (int) c.id(r))).orElse(Float.NaN))
        .feature("recent_similarity", Float.NaN, (q, c, r) -> recentSimilarity(q, c.id(r)))
        .feature("same_cluster_as_last", (q, c, r) -> {
          var recent = q.activity().recent();
          return recent.isEmpty() ? 0
              : catalog.clusterOf((int) recent.get(0).itemId()) == catalog.clusterOf((int) c.id(r)) ? 1 : 0;
        })
        .feature("recent_cluster_share", (q, c, r) -> {
          var recent = q.activity().recent();
          if (recent.isEmpty()) {
            return 0;
          }
          int cluster = catalog.clusterOf((int) c.id(r));
          int same = 0;
          for (Interaction i : recent) {
            same += catalog.clusterOf((int) i.itemId()) == cluster ? 1 : 0;
          }
          return same / (float) recent.size();
        })
        .queryFeature("recent_count", 0, q -> q.activity().recent().size())
        .queryFeature("clicks_recent", 0, q -> {
          int n = 0;
          for (Interaction i : q.activity().recent()) {
            n += i.kind().equals("click") ? 1 : 0;
          }
          return n;
        })
        .queryFeature("user_norm", Float.NaN, q -> q.get(emb).map(e -> {
          double s = 0;
          for (float x : e) {
            s += x * x;
          }
          return (float) Math.sqrt(s);
        }).orElse(Float.NaN))
        .contextFeature("hour", "hour", Float.NaN)
        .contextFeature("device", "device", Float.NaN);
    b.itemFeatures(store, Float.NaN, itemFeatureNames().toArray(String[]::new));
    FeatureAssembly a = b.build();
    if (a.schema().size() != FEATURES) {
      throw new AssertionError("assembly has " + a.schema().size() + " features, expected " + FEATURES);
    }
    return a;
  }

  /** The best dot product of the item with the user's two most recent items. */
  private float recentSimilarity(Query q, long item) {
    var recent = q.activity().recent();
    if (recent.isEmpty()) {
      return Float.NaN;
    }
    float best = -2;
    int at = (int) item;
    for (int i = 0; i < Math.min(2, recent.size()); i++) {
      best = Math.max(best, catalog.similarity((int) recent.get(i).itemId(), at));
    }
    return best;
  }

  /**
   * The tree ensemble, from the cache or trained now: candidates of a few hundred users are
   * retrieved through the real sources and assembled by the real assembly; labels are clicks
   * drawn from a logistic model of similarity, cluster affinity, popularity and quality.
   */
  private TreeEnsembleScorer model(Spec spec, Path dir, PrintWriter log, StringBuilder report)
      throws IOException {
    Path file = dir.resolve("model-t" + spec.trees() + "-d" + spec.depth() + ".json");
    TreeEnsembleScorer.Options opts =
        TreeEnsembleScorer.Options.defaults().withName("trees");
    if (Files.exists(file)) {
      report.append(String.format(Locale.ROOT, "  model      %d trees of depth %d, from cache %s%n",
          spec.trees(), spec.depth(), file));
      return TreeEnsembleScorer.fromXgboostJson(file, features.schema(), opts);
    }
    long t0 = System.nanoTime();
    int rowsWanted = 30_000;
    float[] x = new float[rowsWanted * FEATURES];
    float[] y = new float[rowsWanted];
    int rows = 0;
    SplittableRandom rnd = new SplittableRandom(spec.seed() ^ 0x5eed);
    FeatureSchema s = features.schema();
    int sim = s.indexOf("user_item_similarity");
    int recentSim = s.indexOf("recent_similarity");
    int share = s.indexOf("recent_cluster_share");
    int logPop = s.indexOf("log_popularity");
    int quality = s.indexOf("quality");
    int price = s.indexOf("price");
    int hour = s.indexOf("hour");
    try {
      while (rows < rowsWanted) {
        Query q = stageQueryFromHistory(rnd);
        Candidates c = retrieve(q);
        FeatureMatrix m = features.assemble(q, c);
        float[] a = m.array();
        for (int r = 0; r < m.rows() && rows < rowsWanted; r++) {
          int o = r * FEATURES;
          double z = -2.0 + 4.0 * a[o + sim] + 1.5 * nan0(a[o + recentSim]) + 1.0 * a[o + share]
              + 0.15 * a[o + logPop] + 0.8 * a[o + quality] - 0.05 * Math.log1p(a[o + price])
              + (a[o + hour] >= 18 ? 0.3 : 0);
          y[rows] = rnd.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
          System.arraycopy(a, o, x, rows * FEATURES, FEATURES);
          rows++;
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("assembling the training data failed: " + e, e);
    }
    log.printf(Locale.ROOT, "  model      training %d trees of depth %d with XGBoost on %,d rows x %d features...%n",
        spec.trees(), spec.depth(), rows, FEATURES);
    log.flush();
    try {
      DMatrix train = new DMatrix(x, rows, FEATURES, Float.NaN);
      train.setLabel(y);
      train.setFeatureNames(s.names().toArray(String[]::new));
      Map<String, Object> params = new HashMap<>();
      params.put("objective", "binary:logistic");
      params.put("max_depth", spec.depth());
      params.put("eta", 0.05);
      params.put("seed", (int) spec.seed());
      params.put("nthread", 2);
      params.put("tree_method", "hist");
      params.put("min_child_weight", 1);
      Booster booster = XGBoost.train(train, params, spec.trees(), new HashMap<>(), null, null);
      // XGBoost picks the format from the extension: keep ".json" last.
      Path tmp = Files.createTempFile(dir, "partial-model-", ".json");
      booster.saveModel(tmp.toString());
      booster.dispose();
      train.dispose();
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (XGBoostError e) {
      throw new IOException("XGBoost training failed: " + e.getMessage(), e);
    }
    report.append(String.format(Locale.ROOT, "  model      %d trees of depth %d, trained in %.1f s, cached in %s%n",
        spec.trees(), spec.depth(), (System.nanoTime() - t0) / 1e9, file));
    return TreeEnsembleScorer.fromXgboostJson(file, features.schema(), opts);
  }

  /** Like {@link #stageQuery} but before the recommender exists: activity from the history. */
  private Query stageQueryFromHistory(SplittableRandom rnd) {
    int u = userTraffic.sample(rnd);
    SyntheticCatalog.User user = catalog.user(u, HISTORY);
    List<Interaction> history = new ArrayList<>();
    for (int h = 0; h < HISTORY; h++) {
      history.add(new Interaction(userId(u), user.history()[h], "view", 1f, EPOCH.plusSeconds(h)));
    }
    Request request = Request.forUser(userId(u)).size(20)
        .context("hour", Integer.toString(rnd.nextInt(24)))
        .context("device", Integer.toString(rnd.nextInt(3))).build();
    return Query.of(request, Deadline.none(), UserActivity.of(userId(u), history),
        Map.of(QueryKey.USER_EMBEDDING, user.embedding()));
  }

  private static float nan0(float v) {
    return Float.isNaN(v) ? 0 : v;
  }

  // ---- simulated remote stores ----

  /** Waits like a network round trip, then reads the in-memory store. */
  private static final class SimulatedRemoteStore implements ItemFeatureStore {
    private final ItemFeatureStore store;
    private final long roundTrip;
    private final long perItem;

    SimulatedRemoteStore(ItemFeatureStore store, Options options) {
      this.store = store;
      this.roundTrip = options.storeRoundTrip().toNanos();
      this.perItem = options.storePerItem().toNanos();
    }

    @Override
    public FeatureSchema schema() {
      return store.schema();
    }

    @Override
    public void lookup(long[] ids, float[] out) throws Exception {
      waitFor(roundTrip + perItem * ids.length);
      store.lookup(ids, out);
    }
  }

  /** The user embedding from a simulated remote profile store; cacheable when caching is on. */
  private final class ProfileHydrator implements QueryHydrator<float[]> {
    private final long roundTrip;
    private final boolean cacheable;

    ProfileHydrator(Options options) {
      this.roundTrip = options.storeRoundTrip().toNanos() + options.storePerItem().toNanos();
      this.cacheable = options.caching();
    }

    @Override
    public String name() {
      return "user-embedding";
    }

    @Override
    public QueryKey<float[]> key() {
      return QueryKey.USER_EMBEDDING;
    }

    @Override
    public float[] hydrate(Request request, UserActivity activity, Deadline deadline) {
      waitFor(roundTrip);
      String id = request.userId();
      if (!id.startsWith("user-")) {
        return null;
      }
      int u = Integer.parseInt(id, 5, id.length(), 10);
      if (u < 0 || u >= spec.users()) {
        return null;
      }
      float[] e = new float[spec.dim()];
      System.arraycopy(userEmbeddings, u * spec.dim(), e, 0, spec.dim());
      return e;
    }

    @Override
    public boolean cacheable() {
      return cacheable;
    }
  }

  private static void waitFor(long nanos) {
    if (nanos <= 0) {
      return;
    }
    long until = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = until - System.nanoTime()) {
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  // ---- index choice and caching ----

  /** Which {@code --index} values the workload serves, and how each is built, cached and opened. */
  static final class IndexChoice {

    record Opened(VectorIndex index, Path servingCopy, String report) {}

    private IndexChoice() {}

    static void check(String spec) {
      if (spec.equals("lucene-hnsw") || spec.equals("live-hnsw") || spec.equals("exact")) {
        return;
      }
      if (spec.startsWith("faiss:")) {
        if (spec.length() == "faiss:".length()) {
          throw new IllegalArgumentException(
              "index '" + spec + "': give a FAISS factory string, e.g. faiss:HNSW32");
        }
        if (!FaissIndex.isAvailable()) {
          throw new IllegalArgumentException(
              "index '" + spec + "': " + FaissIndex.unavailableReason());
        }
        return;
      }
      throw new IllegalArgumentException(
          "unknown index '" + spec + "'; known: lucene-hnsw, live-hnsw, exact, faiss:<factory>");
    }

    static Opened open(Spec spec, SyntheticCatalog catalog, Path dir, PrintWriter log)
        throws IOException {
      long t0 = System.nanoTime();
      if (spec.index().equals("exact")) {
        ExactIndex index = ExactIndex.create(spec.dim(), Metric.COSINE);
        for (int i = 0; i < spec.items(); i++) {
          index.upsert(i, catalog.vector(i));
        }
        return new Opened(index, null, String.format(Locale.ROOT,
            "  index      exact (%s), built in %.1f s%n", ExactIndex.vectorImplementation(),
            (System.nanoTime() - t0) / 1e9));
      }
      if (spec.index().startsWith("faiss:")) {
        return openFaiss(spec, catalog, dir, log, t0);
      }
      if (spec.index().equals("live-hnsw")) {
        return openLive(spec, catalog, dir, log, t0);
      }
      Path saved = dir.resolve("index-lucene-hnsw-M" + HNSW_M + "-beam" + HNSW_BEAM);
      String how;
      if (!Files.isDirectory(saved)) {
        log.printf(Locale.ROOT, "  index      building Lucene HNSW (M=%d, beam=%d) over %,d items, once; cached in %s%n",
            HNSW_M, HNSW_BEAM, spec.items(), saved);
        log.flush();
        LuceneHnswIndex built = LuceneHnswIndex.builder(spec.dim(), Metric.COSINE)
            .maxConnections(HNSW_M).beamWidth(HNSW_BEAM)
            .build();
        try {
          long[] ids = LongStream.range(0, spec.items()).toArray();
          float[] flat = catalogueVectors(spec, catalog);
          Progress p = new Progress("indexing", spec.items(), log);
          built.upsertAll(ids, flat, p::update);
          p.done();
          long m0 = System.nanoTime();
          built.forceMerge();
          log.printf(Locale.ROOT, "  index      merged into one segment in %.1f s%n", (System.nanoTime() - m0) / 1e9);
          Path tmp = dir.resolve(saved.getFileName() + ".tmp");
          if (Files.exists(tmp)) {
            deleteRecursively(tmp);
          }
          built.save(tmp);
          Files.move(tmp, saved, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          built.close();
        }
        how = String.format(Locale.ROOT, "built in %.1f s (%,.0f items/s incl. merge) and cached in %s",
            (System.nanoTime() - t0) / 1e9, spec.items() / ((System.nanoTime() - t0) / 1e9), saved);
      } else {
        how = "from cache " + saved;
      }
      // Serve a copy: live upserts write to the index's directory, the cached one stays pristine.
      // The copy lives next to the cache (not in a shared temporary directory), without the
      // saved writer's lock file: the serving writer creates its own.
      Path servingRoot = dir.resolve("serving");
      Files.createDirectories(servingRoot);
      Path copy = Files.createTempDirectory(servingRoot, "index-");
      try (Stream<Path> files = Files.list(saved)) {
        for (Path f : files.toList()) {
          if (!f.getFileName().toString().equals("write.lock")) {
            Files.copy(f, copy.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      LuceneHnswIndex index = LuceneHnswIndex.open(copy);
      return new Opened(index, copy, String.format(Locale.ROOT,
          "  index      Lucene HNSW M=%d beam=%d ef=%d, %d segment(s), %s%n",
          HNSW_M, HNSW_BEAM, index.efSearch(), index.segmentCount(), how));
    }
  }

  /** Every catalogue item's vector, row {@code i} for item {@code i}, in one array. */
  private static float[] catalogueVectors(Spec spec, SyntheticCatalog catalog) {
    float[] flat = new float[spec.items() * spec.dim()];
    for (int i = 0; i < spec.items(); i++) {
      System.arraycopy(catalog.vector(i), 0, flat, i * spec.dim(), spec.dim());
    }
    return flat;
  }

  /** {@code live-hnsw}: built once and cached as a file; served from the heap (writes stay there). */
  private static IndexChoice.Opened openLive(
      Spec spec, SyntheticCatalog catalog, Path dir, PrintWriter log, long t0) throws IOException {
    Path saved = dir.resolve("index-live-hnsw-M" + HNSW_M + "-beam" + HNSW_BEAM + ".bin");
    String how;
    LiveHnswIndex index;
    if (!Files.isRegularFile(saved)) {
      log.printf(Locale.ROOT, "  index      building live HNSW (M=%d, beam=%d) over %,d items, once; cached in %s%n",
          HNSW_M, HNSW_BEAM, spec.items(), saved);
      log.flush();
      index = LiveHnswIndex.builder(spec.dim(), Metric.COSINE)
          .maxConnections(HNSW_M).beamWidth(HNSW_BEAM).build();
      try {
        long[] ids = LongStream.range(0, spec.items()).toArray();
        float[] flat = catalogueVectors(spec, catalog);
        Progress p = new Progress("indexing", spec.items(), log);
        index.upsertAll(ids, flat, p::update);
        p.done();
        index.save(saved);
      } catch (IOException | RuntimeException | Error e) {
        index.close();
        throw e;
      }
      how = String.format(Locale.ROOT, "built in %.1f s (%,.0f items/s) and cached in %s",
          (System.nanoTime() - t0) / 1e9, spec.items() / ((System.nanoTime() - t0) / 1e9), saved);
    } else {
      index = LiveHnswIndex.open(saved);
      how = String.format(Locale.ROOT, "opened from cache %s in %.1f s", saved,
          (System.nanoTime() - t0) / 1e9);
    }
    // The catalogue's ids follow no spatial order: store graph neighbours together (see
    // LiveHnswIndex.optimizeLayout), which roughly halves the searches' time at 1M items.
    long l0 = System.nanoTime();
    index.optimizeLayout();
    how += String.format(Locale.ROOT, ", layout optimized in %.1f s", (System.nanoTime() - l0) / 1e9);
    return new IndexChoice.Opened(index, null, String.format(Locale.ROOT,
        "  index      live HNSW M=%d beam=%d ef=%d, %s%n", HNSW_M, HNSW_BEAM, index.efSearch(), how));
  }

  /**
   * A FAISS index from its factory string (trained on the catalogue when it needs training),
   * cached as a FAISS file; served from that file (searches and writes work in memory).
   */
  private static IndexChoice.Opened openFaiss(
      Spec spec, SyntheticCatalog catalog, Path dir, PrintWriter log, long t0) throws IOException {
    String factory = spec.index().substring("faiss:".length());
    Path saved = dir.resolve("index-faiss-" + factory.replaceAll("[^A-Za-z0-9_.-]", "_") + ".faiss");
    String how;
    if (!Files.isRegularFile(saved)) {
      log.printf(Locale.ROOT, "  index      building FAISS %s over %,d items, once; cached in %s%n",
          factory, spec.items(), saved);
      log.flush();
      try (FaissIndex built = FaissIndex.builder(spec.dim(), Metric.COSINE).factory(factory).build()) {
        long[] ids = LongStream.range(0, spec.items()).toArray();
        float[] flat = catalogueVectors(spec, catalog);
        if (!built.isTrained()) {
          built.train(flat);
        }
        Progress p = new Progress("indexing", spec.items(), log);
        built.upsertAll(ids, flat, p::update);
        p.done();
        Path tmp = dir.resolve(saved.getFileName() + ".tmp");
        built.save(tmp);
        Files.move(tmp, saved, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      how = String.format(Locale.ROOT, "built in %.1f s (%,.0f items/s) and cached in %s",
          (System.nanoTime() - t0) / 1e9, spec.items() / ((System.nanoTime() - t0) / 1e9), saved);
    } else {
      how = "from cache " + saved;
    }
    FaissIndex index = FaissIndex.open(saved, spec.dim(), Metric.COSINE);
    return new IndexChoice.Opened(index, null, String.format(Locale.ROOT,
        "  index      FAISS %s (%s), %s%n", factory, index.description(), how));
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  private static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

}
