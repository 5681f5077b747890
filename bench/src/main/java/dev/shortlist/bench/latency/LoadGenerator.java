package dev.shortlist.bench.latency;

import dev.shortlist.bench.workload.ReferenceWorkload;
import dev.shortlist.core.Recommender;
import dev.shortlist.core.Request;
import dev.shortlist.core.Response;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Drives a {@link ReferenceWorkload} with requests, in the manner of wrk2: open loop at a fixed
 * rate, where each request has a scheduled send time ({@code start + i / rate}) and its latency
 * is measured from that time, not from when it was actually sent, so that a stall delays (and
 * counts against) every request scheduled during it; this corrects coordinated omission. The
 * client threads share one schedule, as a service's worker threads share its queue of incoming
 * requests: a free thread takes the next request, so one slow request does not hold up the ones
 * scheduled after it while another thread is idle. Or closed loop: each client thread sends its
 * next request when the previous one returns.
 *
 * <p>Concurrently and optionally, one thread upserts items and one records user events, each at
 * its own fixed rate. A warm-up phase runs the same load unmeasured first.
 *
 * <p>Not thread-safe: one {@link #run} at a time.
 */
final class LoadGenerator {

  /** How to load. {@code rate} is ignored in closed loop. */
  record Plan(int threads, double rate, boolean closedLoop, Duration warmup, Duration duration,
      double upsertsPerSecond, double eventsPerSecond, int size, Duration budget, long seed) {
    Plan {
      Objects.requireNonNull(warmup, "warmup");
      Objects.requireNonNull(duration, "duration");
      Objects.requireNonNull(budget, "budget");
    }
  }

  /** What one run measured (the warm-up excluded). Latencies in nanoseconds. */
  record Result(
      Histogram latency,
      Histogram serviceTime,
      Map<String, Histogram> stages,
      long requests,
      long degraded,
      long empty,
      long emptyWithCandidates,
      long errors,
      long unsent,
      double seconds,
      long upserts,
      long events,
      Machine machine) {

    double throughput() {
      return requests / Math.max(seconds, 1e-9);
    }

    double degradedRatio() {
      return requests == 0 ? 0 : degraded / (double) requests;
    }
  }

  /**
   * The process's CPU time and its garbage collectors' pauses (count and total) since the JVM
   * started, or, from {@link #minus}, over an interval; -1 where the JVM does not tell.
   */
  record Machine(long cpuNanos, long gcPauses, long gcPauseMillis) {

    static Machine now() {
      long cpu = -1;
      if (ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os) {
        cpu = os.getProcessCpuTime();
      }
      long count = 0;
      long millis = 0;
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        // ZGC and Shenandoah also report their concurrent cycles, which are not pauses.
        if (gc.getName().endsWith("Cycles")) {
          continue;
        }
        count += Math.max(0, gc.getCollectionCount());
        millis += Math.max(0, gc.getCollectionTime());
      }
      return new Machine(cpu, count, millis);
    }

    Machine minus(Machine before) {
      return new Machine(cpuNanos < 0 || before.cpuNanos < 0 ? -1 : cpuNanos - before.cpuNanos,
          gcPauses - before.gcPauses, gcPauseMillis - before.gcPauseMillis);
    }
  }

  private static final long HIGHEST = TimeUnit.SECONDS.toNanos(60);

  /** Upserts and events that threw during this generator's run. */
  private final AtomicLong failedWrites = new AtomicLong();

  /**
   * The stage-breakdown row for the time of a request outside its stages' critical path: handing
   * the parallel phases to their threads and waiting to be woken when they finish, merging.
   */
  static final String DISPATCH = "dispatch/waits";

  private static final java.util.Set<String> PARALLEL = ReferenceWorkload.parallelPhases().stream()
      .flatMap(List::stream).collect(java.util.stream.Collectors.toUnmodifiableSet());

  private final ReferenceWorkload workload;

  LoadGenerator(ReferenceWorkload workload) {
    this.workload = workload;
  }

  /** Upserts and events that threw so far. */
  long failedWrites() {
    return failedWrites.get();
  }

  /**
   * Runs the warm-up then the measured phase; returns what the measured phase saw.
   *
   * @param atMeasureStart runs between the two phases (to snapshot counters)
   */
  Result run(Plan plan, Runnable atMeasureStart) throws InterruptedException {
    AtomicBoolean stopWriters = new AtomicBoolean();
    AtomicLong upserts = new AtomicLong();
    AtomicLong events = new AtomicLong();
    List<Thread> writers = new ArrayList<>();
    if (plan.upsertsPerSecond() > 0) {
      writers.add(paced("shortlist-bench-upserts", plan.upsertsPerSecond(), plan.seed() ^ 0xA11,
          stopWriters, rnd -> {
            workload.upsertRandomItem(rnd);
            upserts.incrementAndGet();
          }));
    }
    if (plan.eventsPerSecond() > 0) {
      writers.add(paced("shortlist-bench-events", plan.eventsPerSecond(), plan.seed() ^ 0xE7E,
          stopWriters, rnd -> {
            workload.recordEvent(rnd);
            events.incrementAndGet();
          }));
    }
    try {
      if (!plan.warmup().isZero()) {
        phase(plan, plan.warmup(), plan.seed() ^ 0x3A3);
      }
      atMeasureStart.run();
      long u0 = upserts.get();
      long e0 = events.get();
      Machine m0 = Machine.now();
      Result r = phase(plan, plan.duration(), plan.seed());
      Machine used = Machine.now().minus(m0);
      return new Result(r.latency, r.serviceTime, r.stages, r.requests, r.degraded, r.empty,
          r.emptyWithCandidates, r.errors, r.unsent, r.seconds, upserts.get() - u0, events.get() - e0,
          used);
    } finally {
      stopWriters.set(true);
      for (Thread w : writers) {
        w.join();
      }
    }
  }

  private Result phase(Plan plan, Duration length, long seed) throws InterruptedException {
    int threads = plan.threads();
    Client[] clients = new Client[threads];
    Thread[] running = new Thread[threads];
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
    long end = start + length.toNanos();
    long giveUp = end + Math.max(length.toNanos(), TimeUnit.SECONDS.toNanos(5));
    AtomicLong next = new AtomicLong();
    for (int t = 0; t < threads; t++) {
      Client c = new Client(workload, plan, next, start, end, giveUp,
          new SplittableRandom(seed * 1_000_003 + t));
      clients[t] = c;
      running[t] = Thread.ofPlatform().name("shortlist-bench-client-" + t).start(c);
    }
    for (Thread t : running) {
      t.join();
    }
    long finished = 0;
    for (Client c : clients) {
      finished = Math.max(finished, c.lastDone);
    }
    Histogram latency = new Histogram(HIGHEST, 3);
    Histogram service = new Histogram(HIGHEST, 3);
    Map<String, Histogram> stages = new LinkedHashMap<>();
    long requests = 0, degraded = 0, empty = 0, emptyWithCandidates = 0, errors = 0, unsent = 0;
    for (Client c : clients) {
      latency.add(c.latency);
      service.add(c.service);
      c.stages.forEach((k, h) -> stages.computeIfAbsent(k, x -> new Histogram(HIGHEST, 3)).add(h));
      requests += c.requests;
      degraded += c.degraded;
      empty += c.empty;
      emptyWithCandidates += c.emptyWithCandidates;
      errors += c.errors;
    }
    if (!plan.closedLoop()) {
      // Scheduled requests that no thread took before giving up: the clients' own rule (request
      // i is due at start + (long) (i * interval), and only those due before end are sent).
      double interval = 1e9 / plan.rate();
      long scheduled = (long) Math.ceil((end - start) / interval);
      while (scheduled > 0 && start + (long) ((scheduled - 1) * interval) >= end) {
        scheduled--;
      }
      while (start + (long) (scheduled * interval) < end) {
        scheduled++;
      }
      unsent = Math.max(0, scheduled - requests - errors);
    }
    // Open loop: throughput over the scheduled window (late replies included); closed: actual.
    double seconds = (Math.max(finished, end) - start) / 1e9;
    if (plan.closedLoop()) {
      seconds = (end - start) / 1e9;
    }
    return new Result(latency, service, stages, requests, degraded, empty, emptyWithCandidates,
        errors, unsent, seconds, 0, 0, null);
  }

  /** One client thread: the next request of the shared schedule (open loop) or back to back. */
  private static final class Client implements Runnable {
    final ReferenceWorkload workload;
    final Recommender recommender;
    final Plan plan;
    /** The shared schedule: the number of the next request no thread has taken yet. */
    final AtomicLong next;
    final long start;
    final long end;
    final long giveUp;
    final SplittableRandom rnd;
    final Histogram latency = new Histogram(HIGHEST, 3);
    final Histogram service = new Histogram(HIGHEST, 3);
    final Map<String, Histogram> stages = new LinkedHashMap<>();
    long requests, degraded, empty, emptyWithCandidates, errors, lastDone;

    Client(ReferenceWorkload workload, Plan plan, AtomicLong next, long start, long end,
        long giveUp, SplittableRandom rnd) {
      this.workload = workload;
      this.recommender = workload.recommender();
      this.plan = plan;
      this.next = next;
      this.start = start;
      this.end = end;
      this.giveUp = giveUp;
      this.rnd = rnd;
    }

    @Override
    public void run() {
      ReferenceWorkload w = workload;
      if (plan.closedLoop()) {
        waitUntil(start);
        while (System.nanoTime() < end) {
          long s = System.nanoTime();
          serve(w, s, s);
        }
        return;
      }
      double interval = 1e9 / plan.rate();
      while (true) {
        long scheduled = start + (long) (next.getAndIncrement() * interval);
        if (scheduled >= end) {
          return;
        }
        if (System.nanoTime() >= giveUp) {
          return; // hopelessly behind: the rest count as never sent instead of running on for ever
        }
        waitUntil(scheduled);
        serve(w, scheduled, System.nanoTime());
      }
    }

    private void serve(ReferenceWorkload w, long scheduled, long sent) {
      Request request = w.request(rnd, plan.size(), plan.budget());
      Response r;
      try {
        r = recommender.recommend(request);
      } catch (RuntimeException e) {
        errors++;
        long done = System.nanoTime();
        latency.recordValue(Math.min(HIGHEST, done - scheduled));
        lastDone = done;
        return;
      }
      long done = System.nanoTime();
      lastDone = done;
      latency.recordValue(Math.min(HIGHEST, Math.max(0, done - scheduled)));
      service.recordValue(Math.min(HIGHEST, Math.max(0, done - sent)));
      requests++;
      if (r.degraded()) {
        degraded++;
      }
      if (r.items().isEmpty()) {
        empty++;
        int removed = 0;
        for (int n : r.trace().removedPerFilter().values()) {
          removed += n;
        }
        if (r.trace().mergedCandidates() > removed) {
          emptyWithCandidates++; // breaks the contract: candidates survived, nothing returned
        }
      }
      Map<String, Long> nanos = r.trace().stageNanos();
      long critical = 0;
      for (Map.Entry<String, Long> e : nanos.entrySet()) {
        stages.computeIfAbsent(e.getKey(), k -> new Histogram(HIGHEST, 3))
            .recordValue(Math.min(HIGHEST, Math.max(0, e.getValue())));
        if (!PARALLEL.contains(e.getKey())) {
          critical += e.getValue();
        }
      }
      for (List<String> phase : ReferenceWorkload.parallelPhases()) {
        long slowest = 0;
        for (String stage : phase) {
          slowest = Math.max(slowest, nanos.getOrDefault(stage, 0L));
        }
        critical += slowest;
      }
      stages.computeIfAbsent(DISPATCH, k -> new Histogram(HIGHEST, 3))
          .recordValue(Math.min(HIGHEST, Math.max(0, r.trace().totalNanos() - critical)));
    }
  }

  /** A thread running {@code action} {@code perSecond} times a second until stopped. */
  private Thread paced(String name, double perSecond, long seed, AtomicBoolean stop,
      java.util.function.Consumer<SplittableRandom> action) {
    return Thread.ofPlatform().name(name).daemon(true).start(() -> {
      SplittableRandom rnd = new SplittableRandom(seed);
      double interval = 1e9 / perSecond;
      long start = System.nanoTime();
      for (long i = 0; !stop.get(); i++) {
        long scheduled = start + (long) (i * interval);
        long now = System.nanoTime();
        if (now - scheduled > TimeUnit.SECONDS.toNanos(1)) {
          // Fell behind by more than a second: skip ahead rather than burst.
          i = (long) ((now - start) / interval);
          continue;
        }
        waitUntil(scheduled);
        try {
          action.accept(rnd);
        } catch (RuntimeException e) {
          if (failedWrites.getAndIncrement() == 0) {
            System.err.println(name + ": " + e); // the first failure; the rest are counted
          }
        }
      }
    });
  }

  private static void waitUntil(long nanoTime) {
    for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
      if (left > 100_000) {
        LockSupport.parkNanos(left - 60_000); // parking overshoots by ~50 µs on Linux
      } else {
        Thread.onSpinWait();
      }
    }
  }
}
