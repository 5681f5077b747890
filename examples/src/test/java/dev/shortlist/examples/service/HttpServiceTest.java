package dev.shortlist.examples.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The HTTP service over real HTTP on a free loopback port. */
class HttpServiceTest {

  static final int DIMENSION = 16;
  static final int MAX_BODY = 64 * 1024;
  /** Generous: the assertions are about content, and the machine may be loaded. */
  static final String BUDGET = "\"budget_ms\": 5000";

  private static final ObjectMapper JSON = new ObjectMapper();

  private RecommendationService service;
  private HttpService http;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    service = RecommendationService.builder(DIMENSION).meterRegistry(registry).build();
    SyntheticCatalogue.load(service, 300, 10, 7);
    http =
        HttpService.builder(service, registry)
            .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .maxBodyBytes(MAX_BODY)
            .shutdownGrace(Duration.ofSeconds(10))
            .start();
  }

  @AfterEach
  void stop() {
    http.close();
  }

  @Test
  void health_isUp_withTheCatalogueSize() throws Exception {
    Reply r = call("GET", "/health", null);

    assertThat(r.status).isEqualTo(200);
    assertThat(r.json().get("status").asText()).isEqualTo("up");
    assertThat(r.json().get("items").asInt()).isEqualTo(300);
    assertThat(r.json().get("dimension").asInt()).isEqualTo(DIMENSION);
  }

  @Test
  void recommend_returnsItemsBestFirst_withoutExclusions_andATracePerStage() throws Exception {
    Reply r = call("POST", "/recommend",
        "{\"user\": \"user-3\", \"size\": 5, \"exclude\": [1, 2, 3], " + BUDGET + "}");

    assertThat(r.status).isEqualTo(200);
    assertThat(r.contentType).startsWith("application/json");
    JsonNode body = r.json();
    assertThat(body.get("user").asText()).isEqualTo("user-3");
    assertThat(body.get("degraded").asBoolean()).isFalse();
    assertThat(body.get("cached").asBoolean()).isFalse();
    long[] ids = ids(body);
    assertThat(ids).hasSize(5).doesNotContain(1, 2, 3);
    List<Float> scores = new ArrayList<>();
    body.get("items").forEach(item -> scores.add(item.get("score").floatValue()));
    assertThat(scores).isSortedAccordingTo((a, b) -> Float.compare(b, a));
    JsonNode trace = body.get("trace");
    assertThat(fieldNames(trace.get("stages_ms")))
        .contains("user-embedding", "ann", "similar-to-recent", "exclusions", "seen", "catalogue",
            "features", "linear", "top-k");
    assertThat(trace.get("candidates_per_source").get("ann").asInt()).isPositive();
    assertThat(trace.get("degradations")).isEmpty();
    assertThat(trace.get("total_ms").asDouble()).isPositive();
  }

  @Test
  void recommend_again_isServedFromTheResponseCache() throws Exception {
    String request = "{\"user\": \"user-1\", \"size\": 4, " + BUDGET + "}";
    JsonNode first = call("POST", "/recommend", request).json();
    JsonNode second = call("POST", "/recommend", request).json();

    assertThat(first.get("cached").asBoolean()).isFalse();
    assertThat(second.get("cached").asBoolean()).isTrue();
    assertThat(ids(second)).containsExactly(ids(first));
  }

  @Test
  void events_areRecorded_andTheNextRecommendationsDropTheSeenItem() throws Exception {
    String request = "{\"user\": \"user-2\", \"size\": 5, " + BUDGET + "}";
    long[] before = ids(call("POST", "/recommend", request).json());

    Reply recorded = call("POST", "/events",
        "[{\"user\": \"user-2\", \"item\": " + before[0] + ", \"kind\": \"click\"},"
            + " {\"user\": \"user-2\", \"item\": " + before[1]
            + ", \"kind\": \"purchase\", \"weight\": 2.5, \"timestamp\": \"2026-01-31T12:00:00Z\"}]");
    long[] after = ids(call("POST", "/recommend", request).json());

    assertThat(recorded.status).isEqualTo(202);
    assertThat(recorded.json().get("recorded").asInt()).isEqualTo(2);
    assertThat(service.activity("user-2").items().toArray()).containsExactlyInAnyOrder(before[0], before[1]);
    assertThat(after).hasSize(5).doesNotContain(before[0], before[1]);
  }

  @Test
  void putItem_makesItRecommendable_deleteItem_removesIt() throws Exception {
    float[] taste = unit(DIMENSION, 5);
    service.loadUserEmbedding("probe", taste);
    String request = "{\"user\": \"probe\", \"size\": 3, " + BUDGET + "}";

    Reply created = call("PUT", "/items/100000",
        "{\"vector\": " + Arrays.toString(taste) + ", \"features\": {\"quality\": 1, \"freshness\": 1}}");
    long[] withItem = ids(call("POST", "/recommend", request).json());
    Reply replaced = call("PUT", "/items/100000", "{\"vector\": " + Arrays.toString(taste) + "}");
    Reply deleted = call("DELETE", "/items/100000", null);
    long[] withoutItem = ids(call("POST", "/recommend", request).json());
    Reply deletedAgain = call("DELETE", "/items/100000", null);

    assertThat(created.status).isEqualTo(201);
    assertThat(created.json().get("created").asBoolean()).isTrue();
    assertThat(withItem[0]).isEqualTo(100000);
    assertThat(replaced.status).isEqualTo(200);
    assertThat(replaced.json().get("created").asBoolean()).isFalse();
    assertThat(deleted.status).isEqualTo(200);
    assertThat(withoutItem).hasSize(3).doesNotContain(100000);
    assertThat(deletedAgain.status).isEqualTo(404);
    assertThat(deletedAgain.json().get("field").asText()).isEqualTo("id");
  }

  @Test
  void metrics_arePrometheusText_withStageTimersCachesAndHttpRequests() throws Exception {
    call("POST", "/recommend", "{\"user\": \"user-4\", " + BUDGET + "}");
    call("GET", "/nope", null);

    Reply r = call("GET", "/metrics", null);

    assertThat(r.status).isEqualTo(200);
    assertThat(r.contentType).startsWith("text/plain");
    assertThat(r.body)
        .contains("# TYPE shortlist_stage_seconds histogram")
        .contains("shortlist_stage_seconds_count{kind=\"source\",stage=\"ann\"} 1")
        .contains("shortlist_stage_seconds_count{kind=\"scorer\",stage=\"linear\"} 1")
        .contains("shortlist_stage_seconds_bucket{kind=\"selector\",stage=\"top-k\"")
        .contains("shortlist_request_seconds_count 1")
        .contains("cache_gets_total{cache=\"item-features\",result=\"miss\"}")
        .contains("cache_gets_total{cache=\"shortlist.hydration.user-embedding\",result=\"miss\"} 1")
        .contains("cache_gets_total{cache=\"responses\",result=\"miss\"} 1")
        .contains("shortlist_service_items 300")
        .contains("shortlist_http_requests_seconds_count{route=\"/recommend\",status=\"200\"} 1")
        .contains("shortlist_http_requests_seconds_count{route=\"unknown\",status=\"404\"} 1");
  }

  static Stream<Arguments> badRequests() {
    String v16 = Arrays.toString(unit(DIMENSION, 1));
    String zeros = Arrays.toString(new float[DIMENSION]);
    String strings = "[" + "\"a\", ".repeat(DIMENSION - 1) + "\"a\"]";
    return Stream.of(
        // method, path, body, status, error, field (null: none), value shown (null: none)
        Arguments.of("POST", "/recommend", "{", 400, "malformed_json", null, null),
        Arguments.of("POST", "/recommend", "", 400, "malformed_json", null, null),
        Arguments.of("POST", "/recommend", "{\"user\": \"u\"} trailing", 400, "malformed_json", null, null),
        Arguments.of("POST", "/recommend", "{\"user\": \"u\", \"user\": \"v\"}", 400, "malformed_json", null, null),
        Arguments.of("POST", "/recommend", "[1]", 400, "invalid_field", "(body)", "[1]"),
        Arguments.of("POST", "/recommend", "{\"size\": 5}", 400, "missing_field", "user", null),
        Arguments.of("POST", "/recommend", "{\"user\": \"\"}", 400, "invalid_field", "user", "\"\""),
        Arguments.of("POST", "/recommend", "{\"user\": 7}", 400, "invalid_field", "user", "7"),
        Arguments.of("POST", "/recommend", "{\"user\": \"u\", \"size\": \"ten\"}", 400, "invalid_field", "size", "\"ten\""),
        Arguments.of("POST", "/recommend", "{\"user\": \"u\", \"size\": 0}", 400, "invalid_field", "size", "0"),
        Arguments.of("POST", "/recommend", "{\"user\": \"u\", \"size\": 2.5}", 400, "invalid_field", "size", "2.5"),
        Arguments.of("POST", "/recommend", "{\"user\": \"u\", \"exclude\": [1, \"x\"]}", 400, "invalid_field", "exclude[1]", "\"x\""),
        Arguments.of("POST", "/recommend", "{\"user\": \"u\", \"budget_ms\": -1}", 400, "invalid_field", "budget_ms", "-1"),
        Arguments.of("POST", "/recommend", "{\"user\": \"u\", \"context\": {\"device\": 3}}", 400, "invalid_field", "context.device", "3"),
        Arguments.of("POST", "/recommend", "{\"user\": \"u\", \"sise\": 5}", 400, "unknown_field", "sise", "5"),
        Arguments.of("POST", "/events", "{\"user\": \"u\"}", 400, "missing_field", "item", null),
        Arguments.of("POST", "/events", "{\"user\": \"u\", \"item\": \"42\"}", 400, "invalid_field", "item", "\"42\""),
        Arguments.of("POST", "/events", "{\"user\": \"u\", \"item\": 1, \"weight\": 1e39}", 400, "invalid_field", "weight", "1.0E39"),
        Arguments.of("POST", "/events", "{\"user\": \"u\", \"item\": 1, \"timestamp\": \"yesterday\"}", 400, "invalid_field", "timestamp", "\"yesterday\""),
        Arguments.of("POST", "/events", "[{\"user\": \"u\", \"item\": 1}, {\"user\": \"u\", \"item\": 1.5}]", 400, "invalid_field", "[1].item", "1.5"),
        Arguments.of("PUT", "/items/5", "{\"vector\": [1, 2]}", 400, "wrong_dimension", "vector", "2"),
        Arguments.of("PUT", "/items/5", "{\"vector\": [NaN]}", 400, "malformed_json", null, null),
        Arguments.of("PUT", "/items/5", "{\"vector\": " + strings + "}", 400, "invalid_field", "vector[0]", "\"a\""),
        Arguments.of("PUT", "/items/5", "{\"vector\": " + zeros + "}", 400, "invalid_field", "vector", null),
        Arguments.of("PUT", "/items/5", "{\"features\": {}}", 400, "missing_field", "vector", null),
        Arguments.of("PUT", "/items/5", "{\"vector\": " + v16 + ", \"features\": {\"colour\": 1}}", 400, "unknown_field", "features.colour", "1"),
        Arguments.of("PUT", "/items/5", "{\"vector\": " + v16 + ", \"features\": {\"quality\": \"high\"}}", 400, "invalid_field", "features.quality", "\"high\""),
        Arguments.of("PUT", "/items/abc", "{}", 400, "invalid_path", "id", "abc"),
        Arguments.of("DELETE", "/items/123456789", null, 404, "not_found", "id", "123456789"),
        Arguments.of("GET", "/recommend", null, 405, "method_not_allowed", null, null),
        Arguments.of("PATCH", "/items/5", "{}", 405, "method_not_allowed", null, null),
        Arguments.of("GET", "/nope", null, 404, "not_found", null, null),
        Arguments.of("DELETE", "/items/5/extra", null, 404, "not_found", null, null),
        Arguments.of("POST", "/recommend", "{\"user\": \"" + "u".repeat(MAX_BODY) + "\"}", 413, "body_too_large", null, null));
  }

  @ParameterizedTest(name = "{0} {1} {2} -> {3} {4} {5}")
  @MethodSource("badRequests")
  void badInput_getsA4xx_withAJsonBodyNamingTheProblem(
      String method, String path, String body, int status, String error, String field, String value)
      throws Exception {
    Reply r = call(method, path, body);

    assertThat(r.status).isEqualTo(status);
    assertThat(r.contentType).startsWith("application/json");
    JsonNode json = r.json();
    assertThat(json.get("error").asText()).isEqualTo(error);
    assertThat(json.get("message").asText()).isNotBlank();
    if (field != null) {
      assertThat(json.get("field").asText()).isEqualTo(field);
      assertThat(json.get("message").asText()).contains(field);
    }
    if (value != null) {
      assertThat(json.get("value").asText()).isEqualTo(value);
      assertThat(json.get("message").asText()).contains(value);
    }
    if (status == 405) {
      assertThat(r.allow).isNotBlank();
    }
    assertThat(call("GET", "/health", null).status).isEqualTo(200);
  }

  @Test
  void badEventInABatch_recordsNoneOfTheBatch() throws Exception {
    Reply r = call("POST", "/events",
        "[{\"user\": \"batch\", \"item\": 1}, {\"user\": \"batch\", \"item\": null}]");

    assertThat(r.status).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("[1].item");
    assertThat(service.activity("batch").recent()).isEmpty();
  }

  @Test
  void badPut_leavesTheCatalogueUnchanged() throws Exception {
    String v = Arrays.toString(unit(DIMENSION, 2));
    Reply r = call("PUT", "/items/7", "{\"vector\": " + v + ", \"features\": {\"quality\": 1e40}}");

    assertThat(r.status).isEqualTo(400);
    assertThat(r.json().get("field").asText()).isEqualTo("features.quality");
    assertThat(call("GET", "/health", null).json().get("items").asInt()).isEqualTo(300);
  }

  @Test
  void close_finishesTheRequestInFlight_refusesNewConnections_andClosesTheService()
      throws Exception {
    String body = "{\"user\": \"user-5\", \"size\": 3, " + BUDGET + "}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    int port = http.port();
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      // Headers and half the body: the handler starts and waits for the rest.
      out.write(("POST /recommend HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes, 0, bytes.length / 2);
      out.flush();
      awaitTrue(() -> http.inFlight() == 1, "the request to be in flight");

      CompletableFuture<Void> closing = CompletableFuture.runAsync(http::close);
      awaitTrue(() -> refusesConnections(port), "the listening socket to close");
      assertThat(closing).as("close waits for the request in flight").isNotDone();
      assertThat(service.isClosed()).isFalse();

      out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
      out.flush();
      String response = readResponse(socket.getInputStream());

      assertThat(response).startsWith("HTTP/1.1 200");
      JsonNode json = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
      assertThat(json.get("items")).hasSize(3);
      closing.get(20, TimeUnit.SECONDS);
    }
    assertThat(service.isClosed()).isTrue();
    assertThatThrownBy(() -> call("GET", "/health", null)).isInstanceOf(ConnectException.class);
    http.close(); // idempotent
  }

  // ---- helpers ----

  record Reply(int status, String contentType, String allow, String body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  Reply call(String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(http.uri() + path))
        .timeout(Duration.ofSeconds(30));
    b.method(method, body == null
        ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(),
        r.headers().firstValue("Content-Type").orElse(""),
        r.headers().firstValue("Allow").orElse(""),
        r.body());
  }

  static long[] ids(JsonNode response) {
    JsonNode items = response.get("items");
    long[] ids = new long[items.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = items.get(i).get("id").asLong();
    }
    return ids;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** A seeded unit vector. */
  static float[] unit(int d, long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] v = new float[d];
    double n = 0;
    for (int i = 0; i < d; i++) {
      v[i] = (float) r.nextGaussian();
      n += v[i] * v[i];
    }
    for (int i = 0; i < d; i++) {
      v[i] /= (float) Math.sqrt(n);
    }
    return v;
  }

  private static boolean refusesConnections(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(end);
      Thread.sleep(10);
    }
  }

  /** Reads one HTTP response with a Content-Length body. */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      head.append((char) c);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }
}
