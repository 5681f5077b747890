package dev.shortlist.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The two-stage recommendation pipeline: hydrate the query, retrieve candidates from several
 * sources in parallel, merge and filter them, assemble features, score, select, and run side
 * effects after the response. See the package's design notes for the flow.
 *
 * <h2>Deadlines</h2>
 * Each request runs under a {@link Deadline} of {@link Request#budget()} on the injected
 * {@link Ticker}. Hydrators and candidate sources must finish within the first
 * {@link Builder#retrievalShare(double) retrieval share} of the budget (half by default), so that
 * ranking keeps the rest. A hydrator or source that misses that deadline or throws is dropped and
 * the response marked degraded ({@link FailureMode#FAIL_OPEN}, the default for them), or the
 * request fails with a {@link StageException} ({@link FailureMode#FAIL_CLOSED}). Feature assembly
 * and scorers are skipped once the deadline has passed; the response then keeps the order of the
 * last scores computed (retrieval order at worst) and says it degraded. Recommend never waits
 * past the retrieval deadline for a source.
 *
 * <h2>Real time</h2>
 * {@link #record(Interaction)} updates the user's recent activity at once and invalidates every
 * cached hydration for that user, so the next request sees the interaction.
 *
 * <p>Thread-safe: one instance serves concurrent requests and recordings. {@link #close()} shuts
 * down the executors it created (not injected ones).
 */
public final class Recommender implements AutoCloseable {

  private final List<StageSpec<QueryHydrator<?>>> hydrators;
  private final List<StageSpec<CandidateSource>> sources;
  private final List<StageSpec<Filter>> filters;
  private final StageSpec<FeatureAssembler> assembler;
  private final List<StageSpec<Scorer>> scorers;
  private final StageSpec<Selector> selector;
  private final List<StageSpec<SideEffect>> sideEffects;
  private final Map<QueryHydrator<?>, Cache<String, Versioned>> hydrationCaches;

  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final Executor sideEffectExecutor;
  private final ExecutorService ownedSideEffectExecutor;
  private final Ticker ticker;
  private final double retrievalShare;
  private final int maxRecent;

  private final Cache<String, UserActivity> activities;
  private final AtomicLong activityVersions = new AtomicLong();

  private final Timer requestTimer;
  /**
   * Recent cost of ranking (feature assembly and scorers) per candidate, in nanoseconds, 0 until
   * a request has been ranked: it follows a lower measurement at once and a higher one slowly
   * (a cold JVM's first rankings are slow). Racy updates are harmless; it is an estimate.
   */
  private volatile double rankNanosPerCandidate;
  /** Ticker time of the last completed ranking; a skip older than {@link #RANK_PROBE_NANOS} ranks. */
  private volatile long lastRankedAt;
  /** While ranking is being skipped for time, one request per this interval ranks anyway. */
  private static final long RANK_PROBE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private final Counter interactionsCounter;

  private Recommender(Builder b) {
    this.ticker = b.ticker;
    this.retrievalShare = b.retrievalShare;
    this.maxRecent = b.maxRecentInteractions;
    MeterRegistry registry = b.registry;

    this.hydrators = specs(b.hydrators, "hydrator", registry);
    this.sources = specs(b.sources, "source", registry);
    List<StageEntry<Filter>> allFilters = new ArrayList<>();
    allFilters.add(new StageEntry<>(Filters.EXCLUSIONS, FailureMode.FAIL_CLOSED));
    allFilters.addAll(b.filters);
    this.filters = specs(allFilters, "filter", registry);
    this.assembler = b.assembler == null ? null : new StageSpec<>(b.assembler, "features", registry);
    this.scorers = specs(b.scorers, "scorer", registry);
    this.selector =
        new StageSpec<>(new StageEntry<>(b.selector, FailureMode.FAIL_CLOSED), "selector", registry);
    this.sideEffects = specs(b.sideEffects, "side_effect", registry);

    this.activities = Caffeine.newBuilder().maximumSize(b.maxUsers).recordStats().build();
    CaffeineCacheMetrics.monitor(registry, activities, MetricNames.CACHE_USER_ACTIVITY);
    Map<QueryHydrator<?>, Cache<String, Versioned>> caches = new IdentityHashMap<>();
    for (StageSpec<QueryHydrator<?>> h : hydrators) {
      if (h.stage.cacheable()) {
        Cache<String, Versioned> cache =
            Caffeine.newBuilder()
                .maximumSize(b.hydrationCacheSize)
                .expireAfterWrite(b.hydrationCacheTtl)
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(
            registry, cache, MetricNames.CACHE_HYDRATION_PREFIX + h.stage.name());
        caches.put(h.stage, cache);
      }
    }
    this.hydrationCaches = caches;

    this.requestTimer =
        Timer.builder(MetricNames.REQUEST).publishPercentileHistogram().register(registry);
    this.interactionsCounter = Counter.builder(MetricNames.INTERACTIONS).register(registry);

    if (b.executor != null) {
      this.executor = b.executor;
      this.ownedExecutor = null;
    } else {
      this.ownedExecutor =
          Executors.newThreadPerTaskExecutor(
              Thread.ofVirtual().name("shortlist-stage-", 0).factory());
      this.executor = ownedExecutor;
    }
    if (b.sideEffectExecutor != null) {
      this.sideEffectExecutor = b.sideEffectExecutor;
      this.ownedSideEffectExecutor = null;
    } else {
      this.ownedSideEffectExecutor =
          Executors.newThreadPerTaskExecutor(
              Thread.ofVirtual().name("shortlist-side-effect-", 0).factory());
      this.sideEffectExecutor = ownedSideEffectExecutor;
    }
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Serves one request.
   *
   * @throws StageException if a fail-closed stage failed or timed out, or the selector broke its
   *     contract
   */
  public Response recommend(Request request) {
    Objects.requireNonNull(request, "request");
    long start = ticker.read();
    Deadline deadline = Deadline.after(request.budget(), ticker);
    Deadline retrievalDeadline = deadline.fractionOfRemaining(retrievalShare);
    TraceBuilder trace = new TraceBuilder();
    UserActivity activity = activity(request.userId());

    // 1. Hydrate the query, all hydrators in parallel.
    Map<QueryKey<?>, Object> values = new HashMap<>();
    List<Outcome<Object>> hydrated =
        runParallel(hydrators, retrievalDeadline, trace,
            h -> hydrate(h, request, activity, retrievalDeadline));
    for (int i = 0; i < hydrated.size(); i++) {
      Outcome<Object> o = hydrated.get(i);
      if (o.ok() && o.value != Versioned.NULL && o.value != null) {
        QueryHydrator<?> h = hydrators.get(i).stage;
        if (!h.key().type().isInstance(o.value)) {
          fail(hydrators.get(i), trace, Degradation.Reason.FAILURE,
              "returned " + o.value.getClass().getName() + " for " + h.key(), null);
          continue;
        }
        values.put(h.key(), o.value);
      }
    }
    Query retrievalQuery = Query.of(request, retrievalDeadline, activity, values);

    // 2. Retrieve from every source in parallel, then merge and de-duplicate.
    List<Outcome<Candidates>> retrieved =
        runParallel(sources, retrievalDeadline, trace, s -> s.retrieve(retrievalQuery));
    List<Candidates> parts = new ArrayList<>(retrieved.size());
    for (int i = 0; i < retrieved.size(); i++) {
      Outcome<Candidates> o = retrieved.get(i);
      if (!o.ok()) {
        continue;
      }
      if (o.value == null) {
        fail(sources.get(i), trace, Degradation.Reason.FAILURE, "returned null", null);
        continue;
      }
      trace.candidatesPerSource.put(sources.get(i).stage.name(), o.value.size());
      parts.add(o.value);
    }
    Candidates candidates = Candidates.merge(parts);
    trace.merged = candidates.size();
    Query query = Query.of(request, deadline, activity, values);

    // 3. Filters, in order.
    for (StageSpec<Filter> f : filters) {
      candidates = filter(f, query, candidates, trace);
    }

    // 4. Features and scores, while time remains.
    if (!candidates.isEmpty() && (assembler != null || !scorers.isEmpty())) {
      candidates = rank(query, candidates, deadline, trace);
    }

    // 5. Select.
    List<ScoredItem> items = select(query, candidates, request.size(), trace);
    long total = ticker.read() - start;
    Response response = new Response(items, trace.build(total));
    requestTimer.record(total, TimeUnit.NANOSECONDS);

    // 6. Side effects, off the request thread.
    for (StageSpec<SideEffect> se : sideEffects) {
      runSideEffect(se, query, response);
    }
    return response;
  }

  /**
   * Assembles features and runs the scorers, or skips them (retrieval order kept, each skip a
   * degradation) when time is short: before starting, when the recent cost per candidate says
   * ranking cannot finish in what is left of the budget (one request per {@link
   * #RANK_PROBE_NANOS} ranks anyway, so the estimate recovers); and before each stage, once the
   * deadline has passed. Only a ranking that ran to the end updates the estimate.
   */
  private Candidates rank(Query query, Candidates candidates, Deadline deadline, TraceBuilder trace) {
    long start = ticker.read();
    int n = candidates.size();
    long needed = (long) (rankNanosPerCandidate * n);
    long left = deadline.remainingNanos();
    if (needed > left && start - lastRankedAt < RANK_PROBE_NANOS) {
      String why = String.format(java.util.Locale.ROOT,
          "not enough time left to rank %d candidates: about %.2f ms needed, %.2f ms left",
          n, needed / 1e6, left / 1e6);
      if (assembler != null) {
        skip(assembler, trace, why);
      }
      for (StageSpec<Scorer> s : scorers) {
        skip(s, trace, why);
      }
      return candidates;
    }
    if (assembler != null) {
      Candidates withFeatures = null;
      if (deadline.isExpired()) {
        skip(assembler, trace, "deadline passed before feature assembly");
      } else {
        withFeatures = assemble(query, candidates, trace);
      }
      if (withFeatures == null) {
        for (StageSpec<Scorer> s : scorers) {
          skip(s, trace, "features unavailable");
        }
        return candidates;
      }
      candidates = withFeatures;
    }
    boolean complete = true;
    for (StageSpec<Scorer> s : scorers) {
      if (deadline.isExpired()) {
        skip(s, trace, "deadline passed before scoring");
        complete = false;
      } else {
        candidates = score(s, query, candidates, trace);
      }
    }
    if (complete) {
      long now = ticker.read();
      double perCandidate = (now - start) / (double) n;
      double old = rankNanosPerCandidate;
      rankNanosPerCandidate =
          old == 0 || perCandidate < old ? perCandidate : 0.9 * old + 0.1 * perCandidate;
      lastRankedAt = now;
    }
    return candidates;
  }

  /**
   * Records an interaction: the user's recent activity includes it at once, and any state cached
   * for the user is invalidated, so the next request sees it.
   */
  public void record(Interaction interaction) {
    Objects.requireNonNull(interaction, "interaction");
    String user = interaction.userId();
    activities
        .asMap()
        .compute(
            user,
            (k, old) ->
                (old == null ? UserActivity.empty(k) : old)
                    .with(interaction, maxRecent, activityVersions.incrementAndGet()));
    for (Cache<String, Versioned> cache : hydrationCaches.values()) {
      cache.invalidate(user);
    }
    interactionsCounter.increment();
  }

  /** The user's recent activity, newest first (empty for an unknown user). */
  public UserActivity activity(String userId) {
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException(
          "userId must not be null or blank, was " + (userId == null ? "null" : "'" + userId + "'"));
    }
    UserActivity a = activities.getIfPresent(userId);
    return a == null ? UserActivity.empty(userId) : a;
  }

  /** Shuts down the executors this recommender created; injected executors are left running. */
  @Override
  public void close() {
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
    if (ownedSideEffectExecutor != null) {
      ownedSideEffectExecutor.shutdown();
      try {
        ownedSideEffectExecutor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- stages ----

  private Object hydrate(
      QueryHydrator<?> h, Request request, UserActivity activity, Deadline retrievalDeadline)
      throws Exception {
    Cache<String, Versioned> cache = hydrationCaches.get(h);
    if (cache == null) {
      return h.hydrate(request, activity, retrievalDeadline);
    }
    Versioned cached = cache.getIfPresent(request.userId());
    if (cached != null && cached.version == activity.version()) {
      return cached.value;
    }
    Object value = h.hydrate(request, activity, retrievalDeadline);
    // A value computed from an older activity is stored under that activity's version, so a
    // request after a newer record() recomputes instead of serving it.
    cache.put(request.userId(), new Versioned(activity.version(), value == null ? Versioned.NULL : value));
    return value;
  }

  private Candidates filter(StageSpec<Filter> f, Query query, Candidates in, TraceBuilder trace) {
    long t0 = ticker.read();
    int n = in.size();
    int[] keep = new int[n];
    int kept = 0;
    try {
      for (int row = 0; row < n; row++) {
        if (f.stage.keep(query, in, row)) {
          keep[kept++] = row;
        }
      }
    } catch (RuntimeException e) {
      f.record(trace, ticker.read() - t0);
      fail(f, trace, Degradation.Reason.FAILURE, describe(e), e);
      return in;
    }
    f.record(trace, ticker.read() - t0);
    int removed = n - kept;
    trace.removedPerFilter.put(f.stage.name(), removed);
    if (removed > 0) {
      f.removed.increment(removed);
    }
    return removed == 0 ? in : in.select(Arrays.copyOf(keep, kept));
  }

  private Candidates assemble(Query query, Candidates in, TraceBuilder trace) {
    long t0 = ticker.read();
    String problem;
    Throwable cause = null;
    try {
      FeatureMatrix m = assembler.stage.assemble(query, in);
      if (m == null) {
        problem = "returned null";
      } else if (m.rows() != in.size()) {
        problem = "returned " + m.rows() + " feature rows for " + in.size() + " candidates";
      } else {
        assembler.record(trace, ticker.read() - t0);
        return in.withFeatures(m);
      }
    } catch (Exception e) {
      problem = describe(e);
      cause = e;
    }
    assembler.record(trace, ticker.read() - t0);
    fail(assembler, trace, Degradation.Reason.FAILURE, problem, cause);
    return null;
  }

  private Candidates score(StageSpec<Scorer> s, Query query, Candidates in, TraceBuilder trace) {
    long t0 = ticker.read();
    String problem;
    Throwable cause = null;
    try {
      float[] scores = s.stage.score(query, in);
      problem = scores == null ? "returned null" : in.checkScores(scores);
      if (problem == null) {
        s.record(trace, ticker.read() - t0);
        return in.withScoresOwned(scores);
      }
    } catch (Exception e) {
      problem = describe(e);
      cause = e;
    }
    s.record(trace, ticker.read() - t0);
    fail(s, trace, Degradation.Reason.FAILURE, problem, cause);
    return in;
  }

  private List<ScoredItem> select(Query query, Candidates in, int size, TraceBuilder trace) {
    if (in.isEmpty()) {
      return List.of();
    }
    long t0 = ticker.read();
    int[] rows;
    try {
      rows = selector.stage.select(query, in, size);
    } catch (RuntimeException e) {
      selector.record(trace, ticker.read() - t0);
      throw new StageException(selector.stage.name(), faultOf(e), describe(e), e);
    }
    String problem = checkSelection(rows, in.size(), size);
    if (problem != null) {
      selector.record(trace, ticker.read() - t0);
      throw new StageException(selector.stage.name(), StageException.Fault.SYSTEM, problem, null);
    }
    List<ScoredItem> items = new ArrayList<>(rows.length);
    for (int row : rows) {
      items.add(new ScoredItem(in.id(row), in.score(row), in.source(row)));
    }
    selector.record(trace, ticker.read() - t0);
    return items;
  }

  private static String checkSelection(int[] rows, int n, int size) {
    if (rows == null) {
      return "returned null";
    }
    if (rows.length > size) {
      return "returned " + rows.length + " rows for size " + size;
    }
    boolean[] seen = new boolean[n];
    for (int row : rows) {
      if (row < 0 || row >= n) {
        return "returned row " + row + " of " + n + " candidates";
      }
      if (seen[row]) {
        return "returned row " + row + " twice";
      }
      seen[row] = true;
    }
    return null;
  }

  private void runSideEffect(StageSpec<SideEffect> se, Query query, Response response) {
    try {
      sideEffectExecutor.execute(
          () -> {
            long t0 = ticker.read();
            try {
              se.stage.apply(query, response);
            } catch (Exception e) {
              se.failures.increment();
            } finally {
              se.timer.record(ticker.read() - t0, TimeUnit.NANOSECONDS);
            }
          });
    } catch (RejectedExecutionException e) {
      se.failures.increment();
    }
  }

  // ---- parallel phase ----

  @FunctionalInterface
  private interface StageCall<S, R> {
    R call(S stage) throws Exception;
  }

  /**
   * Runs {@code specs} in parallel on the executor and waits until all finish or the deadline
   * passes, re-reading the ticker whenever one finishes. Unfinished stages are abandoned (their
   * late results dropped) and handled per their failure mode, as are failed ones. They are not
   * interrupted: stages stop cooperatively at {@link Deadline#check}, and an interrupt inside a
   * library that does file I/O (Lucene's index files) can break it for good.
   */
  private <S extends Stage, R> List<Outcome<R>> runParallel(
      List<StageSpec<S>> specs, Deadline until, TraceBuilder trace, StageCall<S, R> call) {
    int n = specs.size();
    if (n == 0) {
      return List.of();
    }
    long t0 = ticker.read();
    BlockingQueue<Integer> finished = new ArrayBlockingQueue<>(n);
    List<Outcome<R>> outcomes = new ArrayList<>(n);
    List<FutureTask<Void>> tasks = new ArrayList<>(n);
    boolean[] done = new boolean[n];
    int pending = 0;
    for (int i = 0; i < n; i++) {
      final int index = i;
      StageSpec<S> spec = specs.get(i);
      Outcome<R> outcome = new Outcome<>();
      outcomes.add(outcome);
      FutureTask<Void> task =
          new FutureTask<>(
              () -> {
                long s0 = ticker.read();
                try {
                  outcome.value = call.call(spec.stage);
                } catch (Throwable e) {
                  outcome.error = e;
                } finally {
                  outcome.nanos = ticker.read() - s0;
                  finished.add(index);
                }
                return null;
              });
      tasks.add(task);
      try {
        executor.execute(task);
        pending++;
      } catch (RejectedExecutionException e) {
        outcome.error = e;
        outcome.nanos = 0;
        done[i] = true;
      }
    }
    try {
      while (pending > 0) {
        long remaining = until.remainingNanos();
        if (remaining <= 0) {
          break;
        }
        Integer i = finished.poll(remaining, TimeUnit.NANOSECONDS);
        if (i != null) {
          done[i] = true;
          pending--;
        }
      }
    } catch (InterruptedException e) {
      for (FutureTask<Void> t : tasks) {
        t.cancel(false);
      }
      Thread.currentThread().interrupt();
      throw new StageException(
          specs.get(0).stage.name(), StageException.Fault.SYSTEM, "request thread interrupted", e);
    }
    for (Integer i; (i = finished.poll()) != null; ) {
      done[i] = true;
    }
    long waited = ticker.read() - t0;
    for (int i = 0; i < n; i++) {
      if (!done[i]) {
        tasks.get(i).cancel(false);
      }
    }
    for (int i = 0; i < n; i++) {
      StageSpec<S> spec = specs.get(i);
      Outcome<R> o = outcomes.get(i);
      if (!done[i]) {
        o.timedOut = true;
        spec.record(trace, waited);
        spec.timeouts.increment();
        fail(spec, trace, Degradation.Reason.TIMEOUT,
            "no result within the retrieval deadline (" + TimeUnit.NANOSECONDS.toMillis(waited)
                + " ms waited)", null);
      } else {
        spec.record(trace, o.nanos);
        if (o.error != null) {
          if (o.error instanceof Error err && !(o.error instanceof StackOverflowError)) {
            throw err;
          }
          if (o.error instanceof DeadlineExceededException) {
            spec.timeouts.increment();
            fail(spec, trace, Degradation.Reason.TIMEOUT, describe(o.error), o.error);
          } else {
            fail(spec, trace, Degradation.Reason.FAILURE, describe(o.error), o.error);
          }
        }
      }
    }
    return outcomes;
  }

  /** A failed or timed-out stage: degrade (fail-open) or throw (fail-closed). */
  private void fail(
      StageSpec<?> spec, TraceBuilder trace, Degradation.Reason reason, String detail,
      Throwable cause) {
    if (spec.mode == FailureMode.FAIL_CLOSED) {
      StageException.Fault fault =
          reason == Degradation.Reason.TIMEOUT ? StageException.Fault.SYSTEM : faultOf(cause);
      throw new StageException(spec.stage.name(), fault, detail, cause);
    }
    trace.degradations.add(new Degradation(spec.stage.name(), reason, detail));
    spec.degradations.get(reason).increment();
  }

  private void skip(StageSpec<?> spec, TraceBuilder trace, String detail) {
    trace.degradations.add(new Degradation(spec.stage.name(), Degradation.Reason.SKIPPED, detail));
    spec.degradations.get(Degradation.Reason.SKIPPED).increment();
  }

  private static StageException.Fault faultOf(Throwable cause) {
    return cause instanceof IllegalArgumentException
        ? StageException.Fault.CALLER
        : StageException.Fault.SYSTEM;
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  // ---- helpers ----

  private static <S extends Stage> List<StageSpec<S>> specs(
      List<StageEntry<S>> entries, String kind, MeterRegistry registry) {
    List<StageSpec<S>> out = new ArrayList<>(entries.size());
    for (StageEntry<S> e : entries) {
      out.add(new StageSpec<>(e, kind, registry));
    }
    return List.copyOf(out);
  }

  /** A stage with its failure mode and its meters, created once at build time. */
  private static final class StageSpec<S extends Stage> {
    final S stage;
    final FailureMode mode;
    final Timer timer;
    final Counter timeouts;
    final Counter removed;
    final Counter failures;
    final Map<Degradation.Reason, Counter> degradations = new EnumMap<>(Degradation.Reason.class);

    StageSpec(StageEntry<S> entry, String kind, MeterRegistry registry) {
      this.stage = entry.stage;
      this.mode = entry.mode;
      String name = stage.name();
      this.timer =
          Timer.builder(MetricNames.STAGE)
              .tag(MetricNames.TAG_STAGE, name)
              .tag(MetricNames.TAG_KIND, kind)
              .publishPercentileHistogram()
              .register(registry);
      boolean parallel = kind.equals("hydrator") || kind.equals("source");
      this.timeouts = parallel ? counter(MetricNames.TIMEOUTS, name, registry) : null;
      this.removed = kind.equals("filter") ? counter(MetricNames.FILTER_REMOVED, name, registry) : null;
      this.failures =
          kind.equals("side_effect") ? counter(MetricNames.SIDE_EFFECT_FAILURES, name, registry) : null;
      for (Degradation.Reason r : Degradation.Reason.values()) {
        degradations.put(
            r,
            Counter.builder(MetricNames.DEGRADATIONS)
                .tag(MetricNames.TAG_STAGE, name)
                .tag(MetricNames.TAG_REASON, r.name().toLowerCase(java.util.Locale.ROOT))
                .register(registry));
      }
    }

    private static Counter counter(String metric, String stage, MeterRegistry registry) {
      return Counter.builder(metric).tag(MetricNames.TAG_STAGE, stage).register(registry);
    }

    void record(TraceBuilder trace, long nanos) {
      timer.record(nanos, TimeUnit.NANOSECONDS);
      trace.stageNanos.merge(stage.name(), nanos, Long::sum);
    }
  }

  private record StageEntry<S extends Stage>(S stage, FailureMode mode) {}

  /** The result of one parallel stage; written by its task before it signals completion. */
  private static final class Outcome<R> {
    R value;
    Throwable error;
    long nanos;
    boolean timedOut;

    boolean ok() {
      return !timedOut && error == null;
    }
  }

  /** A cached hydration and the activity version it was computed from. */
  private record Versioned(long version, Object value) {
    static final Object NULL = new Object();
  }

  private static final class TraceBuilder {
    final Map<String, Long> stageNanos = new LinkedHashMap<>();
    final Map<String, Integer> candidatesPerSource = new LinkedHashMap<>();
    final Map<String, Integer> removedPerFilter = new LinkedHashMap<>();
    final List<Degradation> degradations = new ArrayList<>();
    int merged;

    Trace build(long totalNanos) {
      return new Trace(
          stageNanos, candidatesPerSource, merged, removedPerFilter, degradations, totalNanos);
    }
  }

  /**
   * Configures a {@link Recommender}. Checks every argument when given; {@link #build()} checks
   * that the pipeline is complete. Not thread-safe; the built recommender is.
   */
  public static final class Builder {
    private final List<StageEntry<QueryHydrator<?>>> hydrators = new ArrayList<>();
    private final List<StageEntry<CandidateSource>> sources = new ArrayList<>();
    private final List<StageEntry<Filter>> filters = new ArrayList<>();
    private StageEntry<FeatureAssembler> assembler;
    private final List<StageEntry<Scorer>> scorers = new ArrayList<>();
    private Selector selector;
    private final List<StageEntry<SideEffect>> sideEffects = new ArrayList<>();
    private final Set<String> names = new HashSet<>(Set.of(Filters.EXCLUSIONS.name()));

    private Executor executor;
    private Executor sideEffectExecutor;
    private Ticker ticker = Ticker.system();
    private MeterRegistry registry = new CompositeMeterRegistry();
    private double retrievalShare = 0.5;
    private int maxRecentInteractions = 50;
    private long maxUsers = 1_000_000;
    private long hydrationCacheSize = 100_000;
    private Duration hydrationCacheTtl = Duration.ofMinutes(10);

    private Builder() {}

    /** Adds a hydrator, fail-open: if it fails or times out, its key is absent. */
    public Builder hydrator(QueryHydrator<?> hydrator) {
      return hydrator(hydrator, FailureMode.FAIL_OPEN);
    }

    public Builder hydrator(QueryHydrator<?> hydrator, FailureMode mode) {
      Objects.requireNonNull(hydrator, "hydrator");
      Objects.requireNonNull(hydrator.key(), "hydrator.key()");
      for (StageEntry<QueryHydrator<?>> h : hydrators) {
        if (h.stage.key() == hydrator.key()) {
          throw new IllegalArgumentException(
              "hydrators '" + h.stage.name() + "' and '" + hydrator.name() + "' both produce "
                  + hydrator.key());
        }
      }
      hydrators.add(entry(hydrator, mode));
      return this;
    }

    /** Adds a candidate source, fail-open: if it fails or times out, it is dropped. */
    public Builder source(CandidateSource source) {
      return source(source, FailureMode.FAIL_OPEN);
    }

    public Builder source(CandidateSource source, FailureMode mode) {
      sources.add(entry(source, mode));
      return this;
    }

    /**
     * Adds a filter, fail-closed: a filter that throws fails the request rather than let through
     * what it should have removed. (Request exclusions are always filtered first, by a built-in
     * filter named {@code "exclusions"}.)
     */
    public Builder filter(Filter filter) {
      return filter(filter, FailureMode.FAIL_CLOSED);
    }

    public Builder filter(Filter filter, FailureMode mode) {
      filters.add(entry(filter, mode));
      return this;
    }

    /** Sets the feature assembler, fail-open: if it fails, scorers are skipped. */
    public Builder features(FeatureAssembler assembler) {
      return features(assembler, FailureMode.FAIL_OPEN);
    }

    public Builder features(FeatureAssembler assembler, FailureMode mode) {
      if (this.assembler != null) {
        throw new IllegalStateException(
            "features already set to '" + this.assembler.stage.name() + "'");
      }
      this.assembler = entry(assembler, mode);
      return this;
    }

    /** Adds a scorer, fail-open: if it fails, the previous scores are kept. */
    public Builder scorer(Scorer scorer) {
      return scorer(scorer, FailureMode.FAIL_OPEN);
    }

    public Builder scorer(Scorer scorer, FailureMode mode) {
      scorers.add(entry(scorer, mode));
      return this;
    }

    /** Sets the selector (required). */
    public Builder selector(Selector selector) {
      Objects.requireNonNull(selector, "selector");
      if (this.selector != null) {
        throw new IllegalStateException("selector already set to '" + this.selector.name() + "'");
      }
      this.selector = entry(selector, FailureMode.FAIL_CLOSED).stage;
      return this;
    }

    /** Adds a side effect, run after each response on the side-effect executor. */
    public Builder sideEffect(SideEffect sideEffect) {
      sideEffects.add(entry(sideEffect, FailureMode.FAIL_OPEN));
      return this;
    }

    /**
     * The executor hydrators and sources run on; default: a virtual thread per task, named
     * {@code shortlist-stage-N}, shut down by {@link Recommender#close()}.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The executor side effects run on; default: virtual threads named {@code shortlist-side-effect-N}. */
    public Builder sideEffectExecutor(Executor executor) {
      this.sideEffectExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The clock deadlines and stage times are measured on; default {@link Ticker#system()}. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Where metrics go; default: nowhere (an empty composite registry). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * The share of each request's budget that hydrators and sources may use, in (0, 1]; the
     * rest is kept for filtering, features, scoring and selection. Default 0.5.
     */
    public Builder retrievalShare(double share) {
      if (!(share > 0 && share <= 1)) {
        throw new IllegalArgumentException("retrievalShare must be in (0, 1], was " + share);
      }
      this.retrievalShare = share;
      return this;
    }

    /** How many recent interactions to keep per user, newest first; default 50. */
    public Builder maxRecentInteractions(int max) {
      if (max <= 0) {
        throw new IllegalArgumentException("maxRecentInteractions must be positive, was " + max);
      }
      this.maxRecentInteractions = max;
      return this;
    }

    /** How many users' activity to keep in memory (least recently used go first); default 1,000,000. */
    public Builder maxUsers(long max) {
      if (max <= 0) {
        throw new IllegalArgumentException("maxUsers must be positive, was " + max);
      }
      this.maxUsers = max;
      return this;
    }

    /**
     * Bounds of the per-hydrator caches of {@link QueryHydrator#cacheable()} hydrators; default
     * 100,000 users for 10 minutes.
     */
    public Builder hydrationCache(long maxUsers, Duration ttl) {
      if (maxUsers <= 0) {
        throw new IllegalArgumentException("hydrationCache maxUsers must be positive, was " + maxUsers);
      }
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("hydrationCache ttl must be positive, was " + ttl);
      }
      this.hydrationCacheSize = maxUsers;
      this.hydrationCacheTtl = ttl;
      return this;
    }

    /**
     * Builds the recommender.
     *
     * @throws IllegalStateException if there is no candidate source or no selector
     */
    public Recommender build() {
      if (sources.isEmpty()) {
        throw new IllegalStateException("at least one candidate source is required");
      }
      if (selector == null) {
        throw new IllegalStateException("a selector is required");
      }
      for (StageEntry<Scorer> s : scorers) {
        List<String> required = s.stage.requiredFeatures();
        if (required.isEmpty()) {
          continue;
        }
        if (assembler == null) {
          throw new IllegalStateException(
              "scorer '" + s.stage.name() + "' reads features " + required
                  + " but no feature assembler is set");
        }
        FeatureSchema schema = assembler.stage.schema();
        for (String f : required) {
          if (schema.indexOf(f) < 0) {
            throw new IllegalStateException(
                "scorer '" + s.stage.name() + "' reads feature '" + f + "', which assembler '"
                    + assembler.stage.name() + "' does not produce (it produces " + schema.names()
                    + ")");
          }
        }
      }
      return new Recommender(this);
    }

    private <S extends Stage> StageEntry<S> entry(S stage, FailureMode mode) {
      Objects.requireNonNull(stage, "stage");
      Objects.requireNonNull(mode, "mode");
      String name = stage.name();
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException(
            "stage name must not be null or blank, was " + (name == null ? "null" : "'" + name + "'")
                + " for " + stage.getClass().getName());
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException("duplicate stage name '" + name + "'");
      }
      return new StageEntry<>(stage, mode);
    }
  }
}
