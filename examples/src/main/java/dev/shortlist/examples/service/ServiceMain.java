package dev.shortlist.examples.service;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;

/**
 * Runs the example recommendation service over a seeded synthetic catalogue until the process is
 * stopped (Ctrl-C or SIGTERM: a shutdown hook closes it gracefully).
 *
 * <pre>
 * ./examples/run service [--port 8080] [--host 127.0.0.1] [--items 5000] [--users 100]
 *                        [--dimension 32] [--seed 42]
 * </pre>
 *
 * <p>A program entry point; holds no state of its own.
 */
public final class ServiceMain {

  private ServiceMain() {}

  /** The command-line options, checked. */
  record Options(String host, int port, int items, int users, int dimension, long seed) {
    static Options parse(String... args) {
      String host = "127.0.0.1";
      int port = 8080;
      int items = 5000;
      int users = 100;
      int dimension = 32;
      long seed = 42;
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (name.equals("--help") || name.equals("-h")) {
          throw new IllegalArgumentException("");
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + name + " needs a value");
        }
        String value = args[++i];
        switch (name) {
          case "--host" -> host = value;
          case "--port" -> port = intIn(name, value, 0, 65_535);
          case "--items" -> items = intIn(name, value, 0, 10_000_000);
          case "--users" -> users = intIn(name, value, 0, 10_000_000);
          case "--dimension" -> dimension = intIn(name, value, 2, 4096);
          case "--seed" -> seed = longValue(name, value);
          default -> throw new IllegalArgumentException("unknown option '" + name + "'");
        }
      }
      return new Options(host, port, items, users, dimension, seed);
    }

    private static int intIn(String name, String value, int min, int max) {
      long v = longValue(name, value);
      if (v < min || v > max) {
        throw new IllegalArgumentException(
            name + " must be in [" + min + ", " + max + "], was " + value);
      }
      return (int) v;
    }

    private static long longValue(String name, String value) {
      try {
        return Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be an integer, was '" + value + "'");
      }
    }
  }

  static final String USAGE =
      "usage: ./examples/run service [--port 8080] [--host 127.0.0.1] [--items 5000]"
          + " [--users 100] [--dimension 32] [--seed 42]";

  /**
   * Builds the service over a synthetic catalogue and starts its HTTP front end; the caller
   * closes it.
   */
  static HttpService start(Options o, PrintStream out) throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RecommendationService service =
        RecommendationService.builder(o.dimension()).meterRegistry(registry).build();
    try {
      long t0 = System.nanoTime();
      SyntheticCatalogue.load(service, o.items(), o.users(), o.seed());
      out.printf("loaded %d items (dimension %d) and %d users in %d ms%n",
          o.items(), o.dimension(), o.users(), (System.nanoTime() - t0) / 1_000_000);
      HttpService http =
          HttpService.builder(service, registry)
              .address(new InetSocketAddress(o.host(), o.port()))
              .start();
      out.println("Shortlist example service listening on " + http.uri()
          + " (POST /recommend, POST /events, PUT|DELETE /items/{id}, GET /metrics, GET /health)");
      return http;
    } catch (IOException | RuntimeException e) {
      service.close();
      throw e;
    }
  }

  public static void main(String[] args) throws IOException {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println("error: " + e.getMessage());
      }
      System.err.println(USAGE);
      System.exit(e.getMessage().isEmpty() ? 0 : 2);
      return;
    }
    HttpService http;
    try {
      http = start(options, System.out);
    } catch (java.net.BindException e) {
      System.err.println("error: cannot listen on " + options.host() + ":" + options.port() + " ("
          + e.getMessage() + "); choose another port with --port");
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(
        Thread.ofPlatform().name("shortlist-shutdown").unstarted(() -> {
          System.out.println("stopping: finishing requests in flight...");
          http.close();
          System.out.println("stopped");
        }));
  }
}
