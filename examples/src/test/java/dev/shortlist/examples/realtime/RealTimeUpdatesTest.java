package dev.shortlist.examples.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shortlist.examples.service.HttpService;
import dev.shortlist.examples.service.RecommendationService;
import dev.shortlist.examples.service.SyntheticCatalogue;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real-time behaviour of the example service over HTTP, with every cache on: each change is
 * visible to the next request although the request just before it was served from the caches.
 */
class RealTimeUpdatesTest {

  private static final int DIMENSION = 16;
  private static final ObjectMapper JSON = new ObjectMapper();

  private PrometheusMeterRegistry registry;
  private RecommendationService service;
  private HttpService http;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws IOException {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    service = RecommendationService.builder(DIMENSION).meterRegistry(registry).build();
    SyntheticCatalogue.load(service, 400, 8, 11);
    http =
        HttpService.builder(service, registry)
            .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .start();
  }

  @AfterEach
  void stop() {
    http.close();
  }

  @Test
  void events_changeTheNextRecommendations_thoughResponseAndEmbeddingWereCached() throws Exception {
    JsonNode before = recommend("user-7", 5);
    assertThat(recommend("user-7", 5).get("cached").asBoolean()).isTrue();
    recommend("user-7", 6); // another size: a response-cache miss served from the hydration cache
    assertThat(hits("shortlist.hydration.user-embedding")).isPositive();
    long embeddingMisses = misses("shortlist.hydration.user-embedding");

    int status = post("/events",
        "[{\"user\": \"user-7\", \"item\": 3}, {\"user\": \"user-7\", \"item\": 11}]").statusCode();
    JsonNode after = recommend("user-7", 5);

    assertThat(status).isEqualTo(202);
    assertThat(after.get("cached").asBoolean()).isFalse();
    assertThat(misses("shortlist.hydration.user-embedding"))
        .as("the user's embedding was recomputed").isEqualTo(embeddingMisses + 1);
    assertThat(ids(after)).doesNotContain(3, 11).isNotEqualTo(ids(before));
    assertThat(topic(ids(after), 3)).as("items like the clicked ones (topic 3)")
        .isGreaterThan(topic(ids(before), 3));
  }

  @Test
  void newItem_isRecommendedAtOnce_andRemovedItems_disappearAtOnce() throws Exception {
    long[] before = ids(recommend("user-2", 5));
    assertThat(recommend("user-2", 5).get("cached").asBoolean()).isTrue();

    float[] vector = service.itemVector(before[0]);
    int created = put(900_001, vector, "{\"quality\": 1, \"freshness\": 1}");
    JsonNode withNew = recommend("user-2", 5);
    assertThat(recommend("user-2", 5).get("cached").asBoolean()).isTrue();
    int deletedNew = delete(900_001);
    int deletedOld = delete(before[0]);
    JsonNode afterDelete = recommend("user-2", 5);

    assertThat(created).isEqualTo(201);
    assertThat(withNew.get("cached").asBoolean()).isFalse();
    assertThat(ids(withNew)[0]).isEqualTo(900_001);
    assertThat(deletedNew).isEqualTo(200);
    assertThat(deletedOld).isEqualTo(200);
    assertThat(afterDelete.get("cached").asBoolean()).isFalse();
    assertThat(ids(afterDelete)).hasSize(5).doesNotContain(900_001, before[0]);
  }

  @Test
  void featureChange_isSeenAtOnce_thoughTheItemsFeaturesWereCached() throws Exception {
    long[] before = ids(recommend("user-4", 5));
    recommend("user-4", 6);
    long last = before[4];
    long featureHits = hits("item-features");
    assertThat(featureHits).as("the candidates' features were served from the cache").isPositive();

    put(last, service.itemVector(last), "{\"quality\": 5, \"freshness\": 1}");
    long[] after = ids(recommend("user-4", 5));

    assertThat(after[0]).isEqualTo(last);
  }

  /**
   * Readers hammer the same request while an item is rewritten and removed: after each write
   * returns, the writer's next request shows exactly what was written, never an older answer or
   * feature value that a concurrent request computed and cached. (A stress test of the whole
   * path; the narrow in-flight race of the feature cache has its deterministic regression test in
   * core's CachedItemFeaturesTest.)
   */
  @Test
  void writesUnderConcurrentRequests_areNeverFollowedByAStaleAnswer() throws Exception {
    float[] taste = unit(DIMENSION, new Random(3));
    service.loadUserEmbedding("probe", taste);
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService readers = Executors.newFixedThreadPool(2);
    List<Future<Integer>> done = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      done.add(readers.submit(() -> {
        int n = 0;
        while (running.get()) {
          recommend("probe", 5);
          n++;
        }
        return n;
      }));
    }
    try {
      for (int i = 0; i < 40; i++) {
        if (i % 5 == 4) {
          delete(500_000);
          assertThat(ids(recommend("probe", 5))).as("write %d: removed", i).doesNotContain(500_000);
          continue;
        }
        float quality = i % 7;
        put(500_000, taste, "{\"quality\": " + quality + ", \"freshness\": 1}");
        JsonNode r = recommend("probe", 5);
        assertThat(ids(r)[0]).as("write %d: the item leads", i).isEqualTo(500_000);
        // score = similarity (1: the vector is the user's) + 0.3 quality + 0.1 freshness
        assertThat(r.get("items").get(0).get("score").floatValue())
            .as("write %d: quality %s", i, quality)
            .isCloseTo(1f + 0.3f * quality + 0.1f, org.assertj.core.data.Offset.offset(1e-3f));
      }
    } finally {
      running.set(false);
      readers.shutdown();
      assertThat(readers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    for (Future<Integer> f : done) {
      assertThat(f.get()).as("requests served concurrently").isPositive();
    }
  }

  // ---- helpers ----

  private JsonNode recommend(String user, int size) throws Exception {
    HttpResponse<String> r = post("/recommend",
        "{\"user\": \"" + user + "\", \"size\": " + size + ", \"budget_ms\": 5000}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode json = JSON.readTree(r.body());
    assertThat(json.get("degraded").asBoolean()).as(r.body()).isFalse();
    return json;
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private int put(long id, float[] vector, String features) throws Exception {
    return send(HttpRequest.newBuilder(uri("/items/" + id)).PUT(HttpRequest.BodyPublishers.ofString(
        "{\"vector\": " + Arrays.toString(vector) + ", \"features\": " + features + "}")))
        .statusCode();
  }

  private int delete(long id) throws Exception {
    return send(HttpRequest.newBuilder(uri("/items/" + id)).DELETE()).statusCode();
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create(http.uri() + path);
  }

  private long hits(String cache) {
    return count(cache, "hit");
  }

  private long misses(String cache) {
    return count(cache, "miss");
  }

  private long count(String cache, String result) {
    FunctionCounter c =
        registry.find("cache.gets").tag("cache", cache).tag("result", result).functionCounter();
    assertThat(c).as("cache %s is monitored", cache).isNotNull();
    return (long) c.count();
  }

  private static long[] ids(JsonNode response) {
    JsonNode items = response.get("items");
    long[] ids = new long[items.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = items.get(i).get("id").asLong();
    }
    return ids;
  }

  private static long topic(long[] ids, int topic) {
    return Arrays.stream(ids).filter(id -> id % SyntheticCatalogue.TOPICS == topic).count();
  }

  private static float[] unit(int d, Random random) {
    float[] v = new float[d];
    double n = 0;
    for (int i = 0; i < d; i++) {
      v[i] = (float) random.nextGaussian();
      n += v[i] * v[i];
    }
    for (int i = 0; i < d; i++) {
      v[i] /= (float) Math.sqrt(n);
    }
    return v;
  }
}
