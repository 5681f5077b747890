package dev.shortlist.examples.service;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.shortlist.core.CachedItemFeatures;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.Filters;
import dev.shortlist.core.InMemoryItemFeatures;
import dev.shortlist.core.Interaction;
import dev.shortlist.core.QueryHydrator;
import dev.shortlist.core.Recommender;
import dev.shortlist.core.Request;
import dev.shortlist.core.Response;
import dev.shortlist.core.UserActivity;
import dev.shortlist.ranking.FeatureAssembly;
import dev.shortlist.ranking.LinearScorer;
import dev.shortlist.ranking.TopKSelector;
import dev.shortlist.retrieval.EmbeddingSource;
import dev.shortlist.retrieval.ItemToItemSource;
import dev.shortlist.retrieval.LuceneHnswIndex;
import dev.shortlist.retrieval.Metric;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A recommendation service built on one {@link Recommender}, independent of any transport (the
 * HTTP front end is {@link HttpService}): a live catalogue of items (vectors in a {@link
 * LuceneHnswIndex}, features in an {@link InMemoryItemFeatures} behind a {@link
 * CachedItemFeatures}), user embeddings that the user's events move towards the items they
 * touched, and an optional cache of whole responses.
 *
 * <h2>The pipeline</h2>
 * hydrator {@code user-embedding} (cacheable per user and activity) → sources {@code ann} (the
 * user's embedding) and {@code similar-to-recent} (neighbours of the user's last items) → filters
 * {@code seen} and {@code catalogue} → features {@code similarity} (retrieval score) and the item
 * features {@link #FEATURES} → a linear scorer → top-k.
 *
 * <h2>Real time: no stale result after a change</h2>
 * <ul>
 *   <li>{@link #record} first moves the user's embedding, then calls {@link
 *       Recommender#record}, which bumps the user's activity version and invalidates the
 *       user's cached hydration: the next request sees both.
 *   <li>{@link #upsertItem} and {@link #removeItem} write the index (visible to the next search:
 *       {@link LuceneHnswIndex} needs no refresh) and the feature store, invalidate the item in
 *       the feature cache, and only then bump the catalogue version.
 *   <li>Cached responses are keyed by the user's activity version and the catalogue version read
 *       before serving, so a response computed before a change is never served after it: the
 *       change has moved one of the versions on by the time it returns.
 * </ul>
 *
 * <p>Thread-safe: requests and events run concurrently; item writes are serialised by one lock
 * that requests never take.
 */
public final class RecommendationService implements AutoCloseable {

  /** The item features every item may carry, in order; unknown values count as 0. */
  public static final List<String> FEATURES = List.of("quality", "freshness");

  /** How far one positive event moves a user's embedding towards the item's vector. */
  static final float LEARNING_RATE = 0.3f;

  private final int dimension;
  private final LuceneHnswIndex index;
  private final InMemoryItemFeatures features;
  private final CachedItemFeatures cachedFeatures;
  private final Set<Long> catalogue = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, float[]> userEmbeddings = new ConcurrentHashMap<>();
  private final Recommender recommender;
  private final Cache<ResponseKey, Response> responses; // null: disabled
  private final AtomicLong catalogueVersion = new AtomicLong();
  private final Object writeLock = new Object();
  private volatile boolean closed;

  private RecommendationService(Builder b) {
    this.dimension = b.dimension;
    this.index = LuceneHnswIndex.builder(dimension, Metric.COSINE).build();
    this.features = InMemoryItemFeatures.create(FeatureSchema.of(FEATURES));
    this.cachedFeatures =
        CachedItemFeatures.over(
            features, b.featureCacheSize, b.featureCacheTtl, "item-features", b.registry);
    if (b.responseCacheTtl.isZero()) {
      this.responses = null;
    } else {
      this.responses =
          Caffeine.newBuilder()
              .maximumSize(b.responseCacheSize)
              .expireAfterWrite(b.responseCacheTtl)
              .recordStats()
              .build();
      CaffeineCacheMetrics.monitor(b.registry, responses, "responses");
    }
    Gauge.builder("shortlist.service.items", catalogue, Set::size)
        .description("items in the catalogue")
        .register(b.registry);

    // Cacheable: an embedding changes only through record(), which bumps the user's activity.
    QueryHydrator<float[]> userEmbedding = QueryHydrator.userEmbedding(userEmbeddings::get);
    this.recommender =
        Recommender.builder()
            .hydrator(userEmbedding)
            .source(EmbeddingSource.builder("ann", index).k(b.candidates).build())
            .source(ItemToItemSource.builder("similar-to-recent", index).seeds(3).k(50).build())
            .filter(Filters.seen())
            .filter(Filters.named("catalogue", (q, c, row) -> catalogue.contains(c.id(row))))
            .features(
                FeatureAssembly.builder("features")
                    .feature("similarity", (q, c, row) -> c.retrievalScore(row))
                    .itemFeatures(cachedFeatures, 0f, FEATURES.toArray(String[]::new))
                    .build())
            .scorer(
                LinearScorer.builder("linear")
                    .weight("similarity", 1.0f)
                    .weight("quality", 0.3f)
                    .weight("freshness", 0.1f)
                    .build())
            .selector(TopKSelector.create())
            .meterRegistry(b.registry)
            .hydrationCache(b.hydrationCacheSize, b.hydrationCacheTtl)
            .build();
  }

  /** A builder for a service over {@code dimension}-component item vectors. */
  public static Builder builder(int dimension) {
    return new Builder(dimension);
  }

  /** Number of components of every item vector and user embedding. */
  public int dimension() {
    return dimension;
  }

  /** Number of items in the catalogue. */
  public int items() {
    return catalogue.size();
  }

  /** Whether {@code itemId} is in the catalogue. */
  public boolean contains(long itemId) {
    return catalogue.contains(itemId);
  }

  /** A copy of the item's vector as indexed (unit length), or null when it is not in the catalogue. */
  public float[] itemVector(long itemId) {
    checkOpen();
    return catalogue.contains(itemId) ? index.vector(itemId) : null;
  }

  /** A response, and whether it came from the response cache. */
  public record Result(Response response, boolean cached) {
    public Result {
      Objects.requireNonNull(response, "response");
    }
  }

  /**
   * Serves {@code request}, from the response cache when an equal request was served for the
   * same user activity and catalogue (degraded responses are never cached).
   *
   * @throws IllegalStateException if the service is closed
   */
  public Result recommend(Request request) {
    Objects.requireNonNull(request, "request");
    checkOpen();
    if (responses == null) {
      return new Result(recommender.recommend(request), false);
    }
    // Read both versions before serving: whatever changes during the request moves one of them
    // on, so the response is stored under a key no later request uses.
    ResponseKey key =
        new ResponseKey(
            request, recommender.activity(request.userId()).version(), catalogueVersion.get());
    Response cached = responses.getIfPresent(key);
    if (cached != null) {
      return new Result(cached, true);
    }
    Response fresh = recommender.recommend(request);
    if (!fresh.degraded()) {
      responses.put(key, fresh);
    }
    return new Result(fresh, false);
  }

  /**
   * Records what a user did: a positive event ({@code weight > 0}) on an item of the catalogue
   * moves the user's embedding {@value #LEARNING_RATE} of the way towards the item's vector (a
   * user without an embedding takes the item's), then the recommender records the interaction.
   * The user's next request sees both.
   *
   * @throws IllegalStateException if the service is closed
   */
  public void record(Interaction interaction) {
    Objects.requireNonNull(interaction, "interaction");
    checkOpen();
    if (interaction.weight() > 0) {
      float[] item = index.vector(interaction.itemId());
      if (item != null) {
        userEmbeddings.compute(interaction.userId(), (user, old) -> moveTowards(old, item));
      }
    }
    recommender.record(interaction);
  }

  /** The user's recent activity, newest first. */
  public UserActivity activity(String userId) {
    return recommender.activity(userId);
  }

  /**
   * Loads a user's embedding (a copy), as an offline model learnt it. Meant for loading before
   * the user is served: a user-embedding already cached for the user stays in use until the
   * user's next event (or the hydration cache's TTL); events are what change embeddings while
   * serving.
   *
   * @throws IllegalArgumentException on a blank user, a wrong dimension or a non-finite or zero
   *     vector
   */
  public void loadUserEmbedding(String userId, float[] embedding) {
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException(
          "userId must not be null or blank, was " + (userId == null ? "null" : "'" + userId + "'"));
    }
    checkVector("embedding of user '" + userId + "'", embedding);
    checkOpen();
    userEmbeddings.put(userId, embedding.clone());
  }

  /**
   * Adds or replaces an item: its vector and its features by name (absent features are unknown;
   * see {@link #FEATURES}). Visible to the next request.
   *
   * @return whether the item is new
   * @throws IllegalArgumentException on a wrong dimension, a non-finite component, a zero vector,
   *     an unknown feature name or a non-finite feature value; the catalogue is then unchanged
   */
  public boolean upsertItem(long itemId, float[] vector, Map<String, Float> itemFeatures) {
    checkVector("vector of item " + itemId, vector);
    Objects.requireNonNull(itemFeatures, "itemFeatures");
    float[] values = new float[FEATURES.size()];
    java.util.Arrays.fill(values, Float.NaN);
    for (Map.Entry<String, Float> e : itemFeatures.entrySet()) {
      int column = FEATURES.indexOf(e.getKey());
      if (column < 0) {
        throw new IllegalArgumentException(
            "unknown feature '" + e.getKey() + "' of item " + itemId + " (known: " + FEATURES + ")");
      }
      if (e.getValue() == null || !Float.isFinite(e.getValue())) {
        throw new IllegalArgumentException(
            "feature '" + e.getKey() + "' of item " + itemId + " must be finite, was "
                + e.getValue());
      }
      values[column] = e.getValue();
    }
    checkOpen();
    synchronized (writeLock) {
      index.upsert(itemId, vector);
      features.put(itemId, values);
      cachedFeatures.invalidate(itemId);
      boolean added = catalogue.add(itemId);
      catalogueVersion.incrementAndGet();
      return added;
    }
  }

  /**
   * Loads many items at once, the fast way to fill the catalogue before serving: the vectors go
   * straight into the index's graph, which is then merged into one segment. Row {@code i} of
   * {@code flatVectors} ({@code ids.length × dimension()}) and of {@code flatFeatures} ({@code
   * ids.length × FEATURES.size()}, NaN for unknown) belong to {@code ids[i]}.
   *
   * @throws IllegalArgumentException if an array has the wrong length or a row is malformed;
   *     nothing is written then
   */
  public void loadItems(long[] ids, float[] flatVectors, float[] flatFeatures) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(flatFeatures, "flatFeatures");
    int width = FEATURES.size();
    if ((long) ids.length * width != flatFeatures.length) {
      throw new IllegalArgumentException(
          "flatFeatures has " + flatFeatures.length + " floats, expected ids.length × "
              + FEATURES.size() + " = " + ids.length + " × " + width);
    }
    for (int i = 0; i < flatFeatures.length; i++) {
      if (Float.isInfinite(flatFeatures[i])) {
        throw new IllegalArgumentException(
            "feature '" + FEATURES.get(i % width) + "' of item " + ids[i / width] + " is "
                + flatFeatures[i]);
      }
    }
    checkOpen();
    synchronized (writeLock) {
      index.upsertAll(ids, flatVectors, rows -> {});
      index.forceMerge();
      for (int i = 0; i < ids.length; i++) {
        features.put(ids[i], java.util.Arrays.copyOfRange(flatFeatures, i * width, (i + 1) * width));
        cachedFeatures.invalidate(ids[i]);
        catalogue.add(ids[i]);
      }
      catalogueVersion.incrementAndGet();
    }
  }

  /**
   * Removes an item from the index, the feature store and the catalogue; the next request cannot
   * return it.
   *
   * @return whether the item was in the catalogue
   */
  public boolean removeItem(long itemId) {
    checkOpen();
    synchronized (writeLock) {
      boolean removed = catalogue.remove(itemId);
      index.remove(itemId);
      features.remove(itemId);
      cachedFeatures.invalidate(itemId);
      catalogueVersion.incrementAndGet();
      return removed;
    }
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  /** Closes the recommender (its executors) and the index; later calls fail. Idempotent. */
  @Override
  public void close() {
    synchronized (writeLock) {
      if (closed) {
        return;
      }
      closed = true;
      recommender.close();
      index.close();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the recommendation service is closed");
    }
  }

  private void checkVector(String what, float[] vector) {
    if (vector == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    if (vector.length != dimension) {
      throw new IllegalArgumentException(
          what + " must have " + dimension + " components, had " + vector.length);
    }
    double norm = 0;
    for (int i = 0; i < vector.length; i++) {
      if (!Float.isFinite(vector[i])) {
        throw new IllegalArgumentException(what + " has a non-finite component [" + i + "]: " + vector[i]);
      }
      norm += (double) vector[i] * vector[i];
    }
    if (norm == 0) {
      throw new IllegalArgumentException(what + " must not be all zeros (cosine similarity)");
    }
  }

  private static float[] moveTowards(float[] user, float[] item) {
    if (user == null) {
      return item.clone();
    }
    float[] next = new float[user.length];
    double norm = 0;
    for (int i = 0; i < next.length; i++) {
      next[i] = (1 - LEARNING_RATE) * user[i] + LEARNING_RATE * item[i];
      norm += (double) next[i] * next[i];
    }
    if (norm == 0) {
      return item.clone();
    }
    return next;
  }

  /** What makes two requests' responses interchangeable: the request (a value) and the versions. */
  private record ResponseKey(Request request, long activityVersion, long catalogueVersion) {}

  /**
   * Configures a {@link RecommendationService}; checks each value when given. Not thread-safe.
   */
  public static final class Builder {
    private final int dimension;
    private MeterRegistry registry = new CompositeMeterRegistry();
    private int candidates = 200;
    private long featureCacheSize = 100_000;
    private Duration featureCacheTtl = Duration.ofMinutes(10);
    private long hydrationCacheSize = 100_000;
    private Duration hydrationCacheTtl = Duration.ofMinutes(10);
    private long responseCacheSize = 10_000;
    private Duration responseCacheTtl = Duration.ofSeconds(30);

    private Builder(int dimension) {
      if (dimension < 1 || dimension > 4096) {
        throw new IllegalArgumentException("dimension must be in [1, 4096], was " + dimension);
      }
      this.dimension = dimension;
    }

    /** Where the metrics go (default: nowhere). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** How many candidates the {@code ann} source retrieves (default 200). */
    public Builder candidates(int k) {
      if (k < 1 || k > EmbeddingSource.MAX_K) {
        throw new IllegalArgumentException(
            "candidates must be in [1, " + EmbeddingSource.MAX_K + "], was " + k);
      }
      this.candidates = k;
      return this;
    }

    /** Bounds of the item feature cache (default 100,000 items for 10 minutes). */
    public Builder featureCache(long maxItems, Duration ttl) {
      checkCache("featureCache", maxItems, ttl, false);
      this.featureCacheSize = maxItems;
      this.featureCacheTtl = ttl;
      return this;
    }

    /** Bounds of the user-embedding hydration cache (default 100,000 users for 10 minutes). */
    public Builder hydrationCache(long maxUsers, Duration ttl) {
      checkCache("hydrationCache", maxUsers, ttl, false);
      this.hydrationCacheSize = maxUsers;
      this.hydrationCacheTtl = ttl;
      return this;
    }

    /**
     * Bounds of the response cache (default 10,000 responses for 30 seconds); a zero {@code ttl}
     * disables it.
     */
    public Builder responseCache(long maxResponses, Duration ttl) {
      checkCache("responseCache", maxResponses, ttl, true);
      this.responseCacheSize = maxResponses;
      this.responseCacheTtl = ttl;
      return this;
    }

    private static void checkCache(String name, long max, Duration ttl, boolean zeroTtlAllowed) {
      if (max <= 0) {
        throw new IllegalArgumentException(name + " size must be positive, was " + max);
      }
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || (ttl.isZero() && !zeroTtlAllowed)) {
        throw new IllegalArgumentException(name + " ttl must be positive, was " + ttl);
      }
    }

    public RecommendationService build() {
      return new RecommendationService(this);
    }
  }
}
