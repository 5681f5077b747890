package dev.shortlist.bench.latency;

import dev.shortlist.bench.ann.Json;
import dev.shortlist.bench.workload.ReferenceWorkload;
import dev.shortlist.core.Ticker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shortlist bench}: a load test of the reference workload that enforces the latency
 * budget: exit code 0 when the p99 is within {@code --budget-ms}, 1 when it is not, 2 on bad
 * options.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Load-tests the reference workload (N items x D dims with item features;",
      "users with embeddings, recent activity and Zipf traffic; candidates from",
      "HNSW, item-to-item and trending; 40 features; a tree ensemble; MMR) and",
      "checks the p99 against the budget. Open loop at --rate, latencies measured",
      "from each request's scheduled send time (coordinated omission corrected),",
      "or --closed-loop; optional concurrent item upserts and user events.",
      "Prints p50/p90/p99/p99.9/max, throughput, degraded share, a per-stage",
      "breakdown and cache hit ratios. Exits 1 when p99 > --budget-ms, else 0.",
      "The index and the model are built once and cached (see --cache-dir)."
    })
public final class BenchCommand implements Callable<Integer> {

  /** Exit code when the p99 exceeds the budget. */
  public static final int OVER_BUDGET = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--items", description = "Catalogue size (default: ${DEFAULT-VALUE}).")
  int items = 1_000_000;

  @Option(names = "--dim", description = "Embedding dimension (default: ${DEFAULT-VALUE}).")
  int dim = 64;

  @Option(names = "--users", description = "Simulated users (default: ${DEFAULT-VALUE}).")
  int users = 100_000;

  @Option(names = "--candidates",
      description = "Candidates per request over the three sources (default: ${DEFAULT-VALUE}).")
  int candidates = 1_000;

  @Option(names = "--size", description = "Items per response (default: ${DEFAULT-VALUE}).")
  int size = 20;

  @Option(names = "--budget-ms", description = "Latency budget in ms (default: ${DEFAULT-VALUE}).")
  double budgetMs = 100;

  @Option(names = "--threads", description = "Client threads (default: ${DEFAULT-VALUE}).")
  int threads = 2;

  @Option(names = "--rate",
      description = "Open loop: requests per second over all threads (default: ${DEFAULT-VALUE}).")
  double rate = 200;

  @Option(names = "--closed-loop",
      description = "Closed loop instead: each thread sends its next request when one returns.")
  boolean closedLoop;

  @Option(names = "--duration", converter = DurationConverter.class, defaultValue = "30s",
      description = "Measured time, e.g. 30s, 500ms, 2m (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--warmup", converter = DurationConverter.class, defaultValue = "10s",
      description = "Unmeasured time first, same load (default: ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--writes-per-s",
      description = "Concurrent item upserts per second (index + features) (default: ${DEFAULT-VALUE}).")
  double writesPerS = 0;

  @Option(names = "--events-per-s",
      description = "Concurrent user events per second (activity + trending) (default: ${DEFAULT-VALUE}).")
  double eventsPerS = 0;

  @Option(names = "--index",
      description = "lucene-hnsw, live-hnsw, exact, or faiss:<factory>, e.g. faiss:HNSW32 (default: ${DEFAULT-VALUE}).")
  String index = "live-hnsw";

  @Option(names = "--trees", description = "Trees in the model (default: ${DEFAULT-VALUE}).")
  int trees = 300;

  @Option(names = "--depth", description = "Depth of each tree (default: ${DEFAULT-VALUE}).")
  int depth = 6;

  @Option(names = "--no-cache",
      description = "Turn the Caffeine caches (user hydration, item features) off.")
  boolean noCache;

  @Option(names = "--store-latency-us",
      description = "Simulated remote store latency per batch fetch, in µs (default: ${DEFAULT-VALUE}).")
  long storeLatencyUs = 100;

  @Option(names = "--store-item-ns",
      description = "Simulated remote store latency per item fetched, in ns (default: ${DEFAULT-VALUE}).")
  long storeItemNs = 300;

  @Option(names = "--cache-dir",
      description = "Where built indexes and models are kept (default: $SHORTLIST_CACHE or ~/.cache/shortlist).")
  Path cacheDir;

  @Option(names = "--json", description = "Also write the figures to this JSON file.")
  Path json;

  @Option(names = "--plot", description = "Also draw the percentile curve and stage breakdown to this PNG.")
  Path plot;

  @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Override
  public Integer call() throws Exception {
    validate();
    PrintWriter out = spec.commandLine().getOut();
    ReferenceWorkload.Spec ws;
    try {
      ws = new ReferenceWorkload.Spec(items, dim, users, candidates, trees, depth, index, seed);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    ReferenceWorkload.Options wo = ReferenceWorkload.Options.defaults()
        .withCaching(!noCache)
        .withStoreLatency(Duration.ofNanos(storeLatencyUs * 1_000), Duration.ofNanos(storeItemNs));
    if (cacheDir != null) {
      wo = wo.withCacheRoot(cacheDir);
    }
    out.printf(Locale.ROOT, "shortlist bench: %,d items x %d dims, %,d users, %,d candidates -> %d, budget %s ms%n",
        items, dim, users, candidates, size, fmt(budgetMs));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (ReferenceWorkload w = ReferenceWorkload.open(ws, wo, registry, Ticker.system(), out)) {
      String load = closedLoop
          ? String.format(Locale.ROOT, "closed loop on %d threads", threads)
          : String.format(Locale.ROOT, "open loop at %s req/s on %d threads", fmt(rate), threads);
      out.printf(Locale.ROOT, "load: %s for %s (after %s warm-up); %s upserts/s, %s events/s; caches %s; %s%n",
          load, human(duration), human(warmup), fmt(writesPerS), fmt(eventsPerS),
          noCache ? "off" : "on", index);
      out.flush();
      LoadGenerator.Plan plan = new LoadGenerator.Plan(threads, rate, closedLoop, warmup, duration,
          writesPerS, eventsPerS, size, Duration.ofNanos((long) (budgetMs * 1e6)), seed);
      Map<String, double[]> cachesBefore = new LinkedHashMap<>();
      LoadGenerator generator = new LoadGenerator(w);
      LoadGenerator.Result r =
          generator.run(plan, () -> cachesBefore.putAll(cacheCounts(registry)));
      Map<String, Double> hitRatios = hitRatios(cachesBefore, cacheCounts(registry));
      return report(r, generator.failedWrites(), hitRatios, out);
    }
  }

  private int report(LoadGenerator.Result r, long failedWrites, Map<String, Double> hitRatios,
      PrintWriter out)
      throws IOException {
    Histogram h = r.latency();
    double p50 = ms(h.getValueAtPercentile(50));
    double p90 = ms(h.getValueAtPercentile(90));
    double p99 = ms(h.getValueAtPercentile(99));
    double p999 = ms(h.getValueAtPercentile(99.9));
    double max = ms(h.getMaxValue());
    out.printf(Locale.ROOT, "  requests    %,d served in %.1f s: %.1f req/s; %,d errors, %,d never sent (client too far behind)%n",
        r.requests(), r.seconds(), r.throughput(), r.errors(), r.unsent());
    out.printf(Locale.ROOT, "  latency     p50 %.2f ms   p90 %.2f ms   p99 %.2f ms   p99.9 %.2f ms   max %.2f ms%n",
        p50, p90, p99, p999, max);
    out.printf(Locale.ROOT, "              (%s)%n", closedLoop
        ? "closed loop: from send to response"
        : "from each request's scheduled send time: coordinated omission corrected");
    Histogram s = r.serviceTime();
    out.printf(Locale.ROOT, "  service     p50 %.2f ms   p99 %.2f ms   max %.2f ms (from actual send)%n",
        ms(s.getValueAtPercentile(50)), ms(s.getValueAtPercentile(99)), ms(s.getMaxValue()));
    out.printf(Locale.ROOT, "  degraded    %.2f%% (%,d of %,d responses); %,d empty (no source in time), %,d empty although candidates survived the filters%n",
        100 * r.degradedRatio(), r.degraded(), r.requests(), r.empty() - r.emptyWithCandidates(),
        r.emptyWithCandidates());
    if (r.upserts() + r.events() > 0) {
      out.printf(Locale.ROOT, "  writes      %.0f upserts/s, %.0f events/s achieved; %,d failed%n",
          r.upserts() / r.seconds(), r.events() / r.seconds(), failedWrites);
    }
    LoadGenerator.Machine m = r.machine();
    double cpuMsPerRequest = m.cpuNanos() < 0 || r.requests() == 0 ? Double.NaN
        : m.cpuNanos() / 1e6 / r.requests();
    int cores = Runtime.getRuntime().availableProcessors();
    if (m.cpuNanos() >= 0) {
      out.printf(Locale.ROOT, "  cpu         %.2f ms per request (the whole process: writes, GC and JIT included); %.0f%% of %d cores%n",
          cpuMsPerRequest, 100 * m.cpuNanos() / 1e9 / r.seconds() / cores, cores);
    }
    out.printf(Locale.ROOT, "  gc          %,d pauses, %,d ms in all (%.1f%% of the time)%n",
        m.gcPauses(), m.gcPauseMillis(), 100 * m.gcPauseMillis() / 1e3 / r.seconds());
    out.println("  stages      ms per request:      mean      p50      p99      max");
    List<LatencyChart.Stage> chartStages = new ArrayList<>();
    Map<String, Object> stageJson = new LinkedHashMap<>();
    List<Map.Entry<String, Histogram>> ordered = new ArrayList<>(r.stages().entrySet());
    List<String> order = ReferenceWorkload.stageOrder();
    ordered.sort(java.util.Comparator.comparingInt(e -> {
      int i = order.indexOf(e.getKey());
      return e.getKey().equals(LoadGenerator.DISPATCH) ? Integer.MAX_VALUE : i < 0 ? order.size() : i;
    }));
    for (Map.Entry<String, Histogram> e : ordered) {
      Histogram sh = e.getValue();
      // Stages that did not run in a request (skipped) count as 0 in the mean.
      double mean = sh.getMean() * sh.getTotalCount() / Math.max(1, r.requests()) / 1e6;
      out.printf(Locale.ROOT, "    %-26s %8.3f %8.3f %8.3f %8.3f%n", e.getKey(), mean,
          ms(sh.getValueAtPercentile(50)), ms(sh.getValueAtPercentile(99)), ms(sh.getMaxValue()));
      chartStages.add(new LatencyChart.Stage(e.getKey(), mean, ms(sh.getValueAtPercentile(99))));
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("mean_ms", mean);
      one.put("p50_ms", ms(sh.getValueAtPercentile(50)));
      one.put("p99_ms", ms(sh.getValueAtPercentile(99)));
      one.put("max_ms", ms(sh.getMaxValue()));
      stageJson.put(e.getKey(), one);
    }
    StringBuilder b = new StringBuilder();
    hitRatios.forEach((k, v) -> b.append(String.format(Locale.ROOT, "%s %.1f%%, ", k, 100 * v)));
    if (b.length() > 0) {
      b.setLength(b.length() - 2);
    }
    out.printf(Locale.ROOT, "  caches      %shit ratio (Micrometer, measured phase): %s%n",
        noCache ? "off (user hydration and item features not cached); " : "", b);
    boolean within = r.requests() > 0 && p99 <= budgetMs;
    if (json != null) {
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("p50_ms", p50);
      j.put("p90_ms", p90);
      j.put("p99_ms", p99);
      j.put("p999_ms", p999);
      j.put("max_ms", max);
      j.put("throughput_rps", r.throughput());
      j.put("degraded_ratio", r.degradedRatio());
      j.put("stages", stageJson);
      j.put("budget_ms", budgetMs);
      j.put("within_budget", within);
      j.put("requests", r.requests());
      j.put("errors", r.errors());
      j.put("unsent", r.unsent());
      j.put("empty", r.empty());
      j.put("empty_with_candidates", r.emptyWithCandidates());
      j.put("service_p99_ms", ms(s.getValueAtPercentile(99)));
      j.put("cpu_ms_per_request", cpuMsPerRequest); // NaN (unknown) is written as null
      j.put("gc_pauses", m.gcPauses());
      j.put("gc_pause_ms", m.gcPauseMillis());
      j.put("cache_hit_ratio", new LinkedHashMap<String, Object>(hitRatios));
      Map<String, Object> cfg = new LinkedHashMap<>();
      cfg.put("items", items);
      cfg.put("dim", dim);
      cfg.put("users", users);
      cfg.put("candidates", candidates);
      cfg.put("size", size);
      cfg.put("index", index);
      cfg.put("trees", trees);
      cfg.put("depth", depth);
      cfg.put("threads", threads);
      cfg.put("mode", closedLoop ? "closed-loop" : "open-loop");
      cfg.put("rate", closedLoop ? null : rate);
      cfg.put("duration_s", duration.toMillis() / 1e3);
      cfg.put("warmup_s", warmup.toMillis() / 1e3);
      cfg.put("writes_per_s", writesPerS);
      cfg.put("events_per_s", eventsPerS);
      cfg.put("caching", !noCache);
      j.put("config", cfg);
      Files.writeString(json, Json.write(j), StandardCharsets.UTF_8);
      out.println("  json        " + json);
    }
    if (plot != null) {
      LatencyChart.write(plot, h, budgetMs, chartStages,
          String.format(Locale.ROOT, "shortlist bench: p99 %.2f ms, budget %s ms", p99, fmt(budgetMs)),
          String.format(Locale.ROOT, "%,d items x %d, %,d candidates, %d trees; %s; %.0f req/s; %s upserts/s, %s events/s; caches %s",
              items, dim, candidates, trees,
              closedLoop ? "closed loop, " + threads + " threads" : "open loop " + fmt(rate) + " req/s",
              r.throughput(), fmt(writesPerS), fmt(eventsPerS), noCache ? "off" : "on"));
      out.println("  plot        " + plot);
    }
    if (within) {
      out.printf(Locale.ROOT, "PASS: p99 %.2f ms is within the budget of %s ms%n", p99, fmt(budgetMs));
      out.flush();
      return 0;
    }
    PrintWriter err = spec.commandLine().getErr();
    if (r.requests() == 0) {
      err.println("FAIL: no request was served");
    } else {
      err.printf(Locale.ROOT, "FAIL: p99 %.2f ms exceeds the budget of %s ms%n", p99, fmt(budgetMs));
    }
    out.flush();
    err.flush();
    return OVER_BUDGET;
  }

  /** Hits and misses per cache, by the Micrometer Caffeine binder's {@code cache.gets}. */
  private static Map<String, double[]> cacheCounts(MeterRegistry registry) {
    Map<String, double[]> counts = new LinkedHashMap<>();
    for (FunctionCounter c : registry.find("cache.gets").functionCounters()) {
      String cache = c.getId().getTag("cache");
      String result = c.getId().getTag("result");
      if (cache == null || result == null) {
        continue;
      }
      double[] hm = counts.computeIfAbsent(cache, k -> new double[2]);
      if (result.equals("hit")) {
        hm[0] += c.count();
      } else if (result.equals("miss")) {
        hm[1] += c.count();
      }
    }
    return counts;
  }

  private static Map<String, Double> hitRatios(Map<String, double[]> before, Map<String, double[]> after) {
    Map<String, Double> ratios = new LinkedHashMap<>();
    after.forEach((cache, hm) -> {
      double[] b = before.getOrDefault(cache, new double[2]);
      double hits = hm[0] - b[0];
      double misses = hm[1] - b[1];
      if (hits + misses > 0) {
        String name = cache.startsWith("shortlist.") ? cache.substring("shortlist.".length()) : cache;
        ratios.put(name, hits / (hits + misses));
      }
    });
    return ratios;
  }

  private void validate() {
    check(size >= 1 && size <= 1_000, "--size must be in [1, 1000], was " + size);
    check(budgetMs > 0, "--budget-ms must be positive, was " + fmt(budgetMs));
    check(threads >= 1 && threads <= 256, "--threads must be in [1, 256], was " + threads);
    check(rate > 0 && rate <= 1_000_000, "--rate must be in (0, 1000000], was " + fmt(rate));
    check(!duration.isZero() && !duration.isNegative(), "--duration must be positive, was " + human(duration));
    check(!warmup.isNegative(), "--warmup must not be negative, was " + human(warmup));
    check(writesPerS >= 0 && writesPerS <= 1_000_000, "--writes-per-s must be in [0, 1000000], was " + fmt(writesPerS));
    check(eventsPerS >= 0 && eventsPerS <= 1_000_000, "--events-per-s must be in [0, 1000000], was " + fmt(eventsPerS));
    check(storeLatencyUs >= 0, "--store-latency-us must not be negative, was " + storeLatencyUs);
    check(storeItemNs >= 0, "--store-item-ns must not be negative, was " + storeItemNs);
  }

  private void check(boolean ok, String message) {
    if (!ok) {
      throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? String.format(Locale.ROOT, "%,d", (long) v)
        : java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
  }

  /** Parses {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h} (a bare number is seconds). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern P = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
      Matcher m = P.matcher(value.trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration such as 30s, 500ms, 2m");
      }
      double n = Double.parseDouble(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      double nanos = n * switch (unit) {
        case "ms" -> 1e6;
        case "s" -> 1e9;
        case "m" -> 60e9;
        default -> 3600e9;
      };
      return Duration.ofNanos((long) nanos);
    }
  }
}
