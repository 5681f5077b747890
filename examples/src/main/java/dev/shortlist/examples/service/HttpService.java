package dev.shortlist.examples.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.shortlist.core.Degradation;
import dev.shortlist.core.Interaction;
import dev.shortlist.core.Request;
import dev.shortlist.core.Response;
import dev.shortlist.core.ScoredItem;
import dev.shortlist.core.StageException;
import dev.shortlist.core.Trace;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP front end of a {@link RecommendationService} on the JDK's built-in server, JSON in and
 * out:
 *
 * <pre>
 * POST   /recommend    {"user": "u1", "size": 10, "exclude": [3, 4], "budget_ms": 50,
 *                       "context": {"device": "mobile"}}          → items, degraded, cached, trace
 * POST   /events       {"user": "u1", "item": 42, "kind": "click", "weight": 1,
 *                       "timestamp": "2026-01-31T12:00:00Z"}  (or an array of them) → 202
 * PUT    /items/{id}   {"vector": [...], "features": {"quality": 0.8}}  → 201 created / 200 replaced
 * DELETE /items/{id}                                         → 200, or 404 when absent
 * GET    /metrics      Prometheus text format (stage timers, caches, HTTP requests)
 * GET    /health       {"status": "up", "items": N, "dimension": D}
 * </pre>
 *
 * A response served from the response cache says {@code "cached": true} and carries the trace of
 * the request that computed it.
 *
 * <p>Bad input never yields a 500: malformed JSON, unknown, missing or mistyped fields, a vector of
 * the wrong dimension or with a non-finite component get a 400; an unknown path a 404; a known
 * path with another method a 405 (with {@code Allow}); a body over the limit a 413. Every error
 * body is {@code {"error": code, "message": ..., "field": ..., "value": ...}}.
 *
 * <p>{@link #close()} shuts down gracefully: the listening socket closes at once, requests in
 * flight finish (up to the shutdown grace), then the recommendation service and its index close.
 *
 * <p>Thread-safe: requests are served concurrently, one virtual thread each; {@link #close()} may
 * be called from any thread, any number of times.
 */
public final class HttpService implements AutoCloseable {

  /** The default largest request body: 1 MiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;

  /** The largest number of events one {@code POST /events} may carry. */
  public static final int MAX_EVENTS = 10_000;

  private static final String JSON = "application/json; charset=utf-8";
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final RecommendationService service;
  private final PrometheusMeterRegistry registry;
  private final int maxBodyBytes;
  private final Duration shutdownGrace;
  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final Map<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();

  private HttpService(Builder b) throws IOException {
    this.service = b.service;
    this.registry = b.registry;
    this.maxBodyBytes = b.maxBodyBytes;
    this.shutdownGrace = b.shutdownGrace;
    this.executor =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("shortlist-http-", 0).factory());
    this.server = HttpServer.create(b.address, 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    io.micrometer.core.instrument.Gauge.builder("shortlist.http.in_flight", inFlight, AtomicInteger::get)
        .description("HTTP requests being served")
        .register(registry);
    server.start();
  }

  /** Starts configuring a front end of {@code service} whose metrics are in {@code registry}. */
  public static Builder builder(RecommendationService service, PrometheusMeterRegistry registry) {
    return new Builder(service, registry);
  }

  /** The port the server listens on (the one chosen by the system when asked for port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The base URI, such as {@code http://127.0.0.1:8080}. */
  public URI uri() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + a.getPort());
  }

  /**
   * Stops accepting connections, waits for the requests in flight (at most the shutdown grace),
   * then closes the recommendation service. Later calls return at once.
   */
  @Override
  public void close() {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    server.stop((int) Math.max(1, (shutdownGrace.toMillis() + 999) / 1000));
    executor.shutdown();
    try {
      executor.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    service.close();
  }

  // ---- routing ----

  /** Number of requests being served now. */
  int inFlight() {
    return inFlight.get();
  }

  private void handle(HttpExchange exchange) {
    inFlight.incrementAndGet();
    long start = System.nanoTime();
    String route = "unknown";
    int status;
    try {
      String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
      String path = exchange.getRequestURI().getPath();
      Reply reply;
      try {
        if (path.equals("/recommend")) {
          route = "/recommend";
          allow(method, "POST");
          reply = recommend(exchange);
        } else if (path.equals("/events")) {
          route = "/events";
          allow(method, "POST");
          reply = events(exchange);
        } else if (path.startsWith("/items/") && path.indexOf('/', "/items/".length()) < 0) {
          route = "/items/{id}";
          allow(method, "PUT", "DELETE");
          long id = itemId(path.substring("/items/".length()));
          reply = method.equals("PUT") ? putItem(exchange, id) : deleteItem(id);
        } else if (path.equals("/metrics")) {
          route = "/metrics";
          allow(method, "GET");
          reply = new Reply(200, PROMETHEUS_TEXT, registry.scrape().getBytes(StandardCharsets.UTF_8));
        } else if (path.equals("/health")) {
          route = "/health";
          allow(method, "GET");
          reply = health();
        } else {
          throw new HttpError(404, "not_found", null, null,
              "no such resource: " + path + " (resources: /recommend, /events, /items/{id},"
                  + " /metrics, /health)");
        }
      } catch (HttpError e) {
        reply = error(e);
        if (e.status == 405) {
          exchange.getResponseHeaders().set("Allow", e.value);
        }
      } catch (StageException e) {
        reply = error(new HttpError(
            e.fault() == StageException.Fault.CALLER ? 400 : 503,
            "stage_failed", null, e.stage(), e.getMessage()));
      } catch (IllegalArgumentException e) {
        // The library refused a value this front end let through: still the caller's fault.
        reply = error(HttpError.badRequest("invalid_request", null, null, e.getMessage()));
      } catch (IllegalStateException e) {
        reply = error(new HttpError(503, "unavailable", null, null, e.getMessage()));
      } catch (RuntimeException e) {
        reply = error(new HttpError(500, "internal_error", null, null,
            e.getClass().getSimpleName() + ": " + e.getMessage()));
      }
      status = reply.status;
      send(exchange, reply);
    } catch (IOException e) {
      status = 499; // the client went away
    } finally {
      exchange.close();
      inFlight.decrementAndGet();
    }
    timer(route, status).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  private Timer timer(String route, int status) {
    return timers.computeIfAbsent(route + " " + status, k ->
        Timer.builder("shortlist.http.requests")
            .tag("route", route)
            .tag("status", Integer.toString(status))
            .register(registry));
  }

  private static void allow(String method, String... allowed) {
    for (String a : allowed) {
      if (a.equals(method)) {
        return;
      }
    }
    String list = String.join(", ", allowed);
    throw new HttpError(405, "method_not_allowed", null, list,
        "method " + method + " is not allowed here; allowed: " + list);
  }

  private static long itemId(String segment) {
    try {
      return Long.parseLong(segment);
    } catch (NumberFormatException e) {
      String shown = segment.length() <= 40 ? segment : segment.substring(0, 37) + "...";
      throw HttpError.badRequest("invalid_path", "id", shown,
          "item id in the path must be a 64-bit integer, was '" + shown + "'");
    }
  }

  // ---- endpoints ----

  private Reply recommend(HttpExchange exchange) throws IOException {
    JsonNode body = JsonInput.object(JsonInput.parse(body(exchange)), null,
        Set.of("user", "size", "exclude", "budget_ms", "context"));
    String user = JsonInput.requiredString(body, null, "user");
    int size = JsonInput.optionalInt(body, "size", 10, 1, Request.MAX_SIZE);
    long[] exclude = JsonInput.optionalLongs(body, "exclude", 100_000);
    double budgetMs = JsonInput.optionalPositive(body, "budget_ms", 60_000);
    Map<String, String> context = JsonInput.optionalStringMap(body, "context");
    Request.Builder request = Request.forUser(user).size(size).exclude(exclude);
    if (!Double.isNaN(budgetMs)) {
      request.budget(Duration.ofNanos(Math.max(1, (long) (budgetMs * 1e6))));
    }
    context.forEach(request::context);
    RecommendationService.Result result = service.recommend(request.build());
    return json(200, responseJson(user, result));
  }

  private Reply events(HttpExchange exchange) throws IOException {
    JsonNode body = JsonInput.parse(body(exchange));
    List<Interaction> events = new ArrayList<>();
    Instant now = Instant.now();
    if (body.isArray()) {
      if (body.size() > MAX_EVENTS) {
        throw JsonInput.invalid("(body)", body, "must hold at most " + MAX_EVENTS + " events, held " + body.size());
      }
      for (int i = 0; i < body.size(); i++) {
        events.add(event(body.get(i), "[" + i + "]", now));
      }
    } else {
      events.add(event(body, null, now));
    }
    // Everything is checked before anything is recorded: a bad batch changes nothing.
    for (Interaction e : events) {
      service.record(e);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("recorded", events.size());
    return json(202, out);
  }

  private static Interaction event(JsonNode node, String where, Instant now) {
    JsonInput.object(node, where,
        Set.of("user", "item", "kind", "weight", "timestamp"));
    String user = JsonInput.requiredString(node, where, "user");
    long item = JsonInput.requiredLong(node, where, "item");
    String kind = JsonInput.optionalString(node, where, "kind", "click");
    JsonNode w = node.get("weight");
    float weight = w == null || w.isNull() ? 1f : JsonInput.asFloat(w, JsonInput.path(where, "weight"));
    Instant timestamp = JsonInput.optionalInstant(node, where, "timestamp", now);
    return new Interaction(user, item, kind, weight, timestamp);
  }

  private Reply putItem(HttpExchange exchange, long id) throws IOException {
    JsonNode body = JsonInput.object(JsonInput.parse(body(exchange)), null, Set.of("vector", "features"));
    float[] vector = JsonInput.requiredVector(body, "vector", service.dimension());
    Map<String, Float> features = new HashMap<>();
    JsonNode f = body.get("features");
    if (f != null && !f.isNull()) {
      JsonInput.object(f, "features", Set.copyOf(RecommendationService.FEATURES));
      for (Map.Entry<String, JsonNode> e : f.properties()) {
        features.put(e.getKey(), JsonInput.asFloat(e.getValue(), "features." + e.getKey()));
      }
    }
    boolean created = service.upsertItem(id, vector, features);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("created", created);
    return json(created ? 201 : 200, out);
  }

  private Reply deleteItem(long id) {
    if (!service.removeItem(id)) {
      throw new HttpError(404, "not_found", "id", Long.toString(id), "no item with id " + id + " in the catalogue");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("removed", true);
    return json(200, out);
  }

  private Reply health() {
    Map<String, Object> out = new LinkedHashMap<>();
    boolean up = !stopping.get() && !service.isClosed();
    out.put("status", up ? "up" : "stopping");
    out.put("items", service.items());
    out.put("dimension", service.dimension());
    return json(up ? 200 : 503, out);
  }

  // ---- JSON out ----

  static Map<String, Object> responseJson(String user, RecommendationService.Result result) {
    Response r = result.response();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("user", user);
    List<Map<String, Object>> items = new ArrayList<>();
    for (ScoredItem item : r.items()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", item.id());
      m.put("score", item.score());
      items.add(m);
    }
    out.put("items", items);
    out.put("degraded", r.degraded());
    out.put("cached", result.cached());
    Trace t = r.trace();
    Map<String, Object> trace = new LinkedHashMap<>();
    trace.put("total_ms", millis(t.totalNanos()));
    Map<String, Object> stages = new LinkedHashMap<>();
    t.stageNanos().forEach((stage, nanos) -> stages.put(stage, millis(nanos)));
    trace.put("stages_ms", stages);
    trace.put("candidates_per_source", t.candidatesPerSource());
    trace.put("merged_candidates", t.mergedCandidates());
    trace.put("removed_per_filter", t.removedPerFilter());
    List<Map<String, Object>> degradations = new ArrayList<>();
    for (Degradation d : t.degradations()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("stage", d.stage());
      m.put("reason", d.reason().name().toLowerCase(Locale.ROOT));
      m.put("detail", d.detail());
      degradations.add(m);
    }
    trace.put("degradations", degradations);
    out.put("trace", trace);
    return out;
  }

  private static double millis(long nanos) {
    return Math.round(nanos / 1e3) / 1e3;
  }

  private static Reply error(HttpError e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("error", e.code);
    out.put("message", e.getMessage());
    if (e.field != null) {
      out.put("field", e.field);
    }
    if (e.value != null && e.status != 405) {
      out.put("value", e.value);
    }
    return json(e.status, out);
  }

  private static Reply json(int status, Map<String, Object> body) {
    try {
      return new Reply(status, JSON, JsonInput.MAPPER.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  // ---- bytes ----

  private byte[] body(HttpExchange exchange) throws IOException {
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        length = -1;
      }
      if (length > maxBodyBytes) {
        throw tooLarge(Long.toString(length));
      }
    }
    InputStream in = exchange.getRequestBody();
    byte[] bytes = in.readNBytes(maxBodyBytes + 1);
    if (bytes.length > maxBodyBytes) {
      throw tooLarge("more than " + maxBodyBytes);
    }
    return bytes;
  }

  private HttpError tooLarge(String size) {
    return new HttpError(413, "body_too_large", null, size,
        "the request body must be at most " + maxBodyBytes + " bytes, was " + size);
  }

  private static void send(HttpExchange exchange, Reply reply) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", reply.contentType);
    exchange.sendResponseHeaders(reply.status, reply.body.length == 0 ? -1 : reply.body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(reply.body);
    }
  }

  private record Reply(int status, String contentType, byte[] body) {}

  /** Configures and starts an {@link HttpService}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final RecommendationService service;
    private final PrometheusMeterRegistry registry;
    private InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Duration shutdownGrace = Duration.ofSeconds(10);

    private Builder(RecommendationService service, PrometheusMeterRegistry registry) {
      this.service = Objects.requireNonNull(service, "service");
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Where to listen; default 127.0.0.1:8080. Port 0 picks a free port. */
    public Builder address(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /** The largest accepted request body; default {@value #DEFAULT_MAX_BODY_BYTES} bytes. */
    public Builder maxBodyBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be positive, was " + bytes);
      }
      this.maxBodyBytes = bytes;
      return this;
    }

    /** How long {@link #close()} waits for requests in flight; default 10 s. */
    public Builder shutdownGrace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative() || grace.isZero()) {
        throw new IllegalArgumentException("shutdownGrace must be positive, was " + grace);
      }
      this.shutdownGrace = grace;
      return this;
    }

    /**
     * Binds the address and starts serving.
     *
     * @throws IOException if the address cannot be bound
     */
    public HttpService start() throws IOException {
      return new HttpService(this);
    }
  }
}
