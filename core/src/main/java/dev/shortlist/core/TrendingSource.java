package dev.shortlist.core;

import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A real-time popularity counter that serves the {@code k} items with the most recent
 * interaction weight as candidates: feed it every {@link Interaction} (alongside {@link
 * Recommender#record}) and it returns the trending items, retrieval score = decayed weight
 * relative to the top item's (in (0, 1]).
 *
 * <p>Weights decay exponentially with the configured half-life, by forward decay (Cormode, Shkapenyuk,
 * Srivastava, Xu, "Forward decay: a practical time decay model for streaming systems", ICDE 2009):
 * an event at time {@code t} adds {@code weight × 2^((t − landmark) / halfLife)}, so counters
 * never need rewriting as time passes and the ranking is the decayed ranking. The landmark moves
 * forward (all counters rescaled once) before the factors could overflow.
 *
 * <p>{@link #retrieve} never scans: it returns a snapshot of the top {@code k}, recomputed by the
 * recording thread at most once per refresh interval (a scan of the tracked items, O(n log k)),
 * so the request path costs one volatile read. Items whose decayed weight falls below {@code
 * minWeight} are forgotten at refresh, which bounds the memory to the items recently interacted
 * with. Time comes from the injected {@link Ticker}.
 *
 * <p>Thread-safe: any number of threads may record and retrieve concurrently.
 */
public final class TrendingSource implements CandidateSource {

  /** Rescale before the forward-decay factor reaches 2^RESCALE_EXPONENT. */
  private static final double RESCALE_EXPONENT = 60;

  private final String name;
  private final int k;
  private final double halfLifeNanos;
  private final long refreshNanos;
  private final double minWeight;
  private final Ticker ticker;

  private final ConcurrentHashMap<Long, DoubleAdder> weights = new ConcurrentHashMap<>();
  private final ReentrantLock refreshLock = new ReentrantLock();
  private volatile long landmark;
  private volatile Candidates snapshot;
  private volatile long refreshedAt;

  private TrendingSource(Builder b) {
    this.name = b.name;
    this.k = b.k;
    this.halfLifeNanos = b.halfLife.toNanos();
    this.refreshNanos = b.refresh.toNanos();
    this.minWeight = b.minWeight;
    this.ticker = b.ticker;
    this.landmark = ticker.read();
    this.refreshedAt = landmark - refreshNanos;
    this.snapshot = Candidates.empty();
  }

  /** A builder for a source named {@code name} (e.g. {@code "trending"}). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  @Override
  public String name() {
    return name;
  }

  /** The top items as of the last refresh; the same immutable instance until the next one. */
  @Override
  public Candidates retrieve(Query query) {
    return snapshot;
  }

  /** Counts {@code interaction} with its weight (a negative weight counts as 0). */
  public void record(Interaction interaction) {
    Objects.requireNonNull(interaction, "interaction");
    record(interaction.itemId(), interaction.weight());
  }

  /**
   * Counts {@code weight} for {@code itemId} now, and refreshes the snapshot if the refresh
   * interval has passed (on this thread).
   *
   * @throws IllegalArgumentException if {@code weight} is not finite
   */
  public void record(long itemId, float weight) {
    if (!Float.isFinite(weight)) {
      throw new IllegalArgumentException("weight must be finite, was " + weight);
    }
    long now = ticker.read();
    if (weight > 0) {
      double exponent = (now - landmark) / halfLifeNanos;
      if (!(exponent < RESCALE_EXPONENT)) {
        refresh(now, true);
        exponent = (now - landmark) / halfLifeNanos;
      }
      double factor = Math.pow(2, exponent);
      weights.computeIfAbsent(itemId, id -> new DoubleAdder()).add(weight * factor);
    }
    if (now - refreshedAt >= refreshNanos) {
      refresh(now, false);
    }
  }

  /** Recomputes the snapshot now, whatever the refresh interval (for tests and start-up). */
  public void refresh() {
    refresh(ticker.read(), false);
  }

  /** How many items currently have a counter. */
  public int trackedItems() {
    return weights.size();
  }

  private void refresh(long now, boolean force) {
    if (!refreshLock.tryLock()) {
      if (!force) {
        return; // another thread is refreshing
      }
      refreshLock.lock();
    }
    try {
      if (force) {
        // Move the landmark to now: every counter is divided by the same factor.
        double scale = Math.pow(2, -(now - landmark) / halfLifeNanos);
        landmark = now;
        for (DoubleAdder a : weights.values()) {
          double v = a.sumThenReset();
          a.add(v * scale);
        }
      }
      double current = Math.pow(2, (now - landmark) / halfLifeNanos);
      double floor = minWeight * current;
      PriorityQueue<long[]> top =
          new PriorityQueue<>(k + 1, (a, b) -> Double.compare(
              Double.longBitsToDouble(a[1]), Double.longBitsToDouble(b[1])));
      var it = weights.entrySet().iterator();
      while (it.hasNext()) {
        var e = it.next();
        double w = e.getValue().sum();
        if (w < floor) {
          it.remove(); // a concurrent add to this counter may be lost: it was negligible
          continue;
        }
        if (top.size() < k) {
          top.add(new long[] {e.getKey(), Double.doubleToRawLongBits(w)});
        } else if (w > Double.longBitsToDouble(top.peek()[1])) {
          top.poll();
          top.add(new long[] {e.getKey(), Double.doubleToRawLongBits(w)});
        }
      }
      int n = top.size();
      long[] ids = new long[n];
      double[] w = new double[n];
      for (int i = n - 1; i >= 0; i--) {
        long[] e = top.poll();
        ids[i] = e[0];
        w[i] = Double.longBitsToDouble(e[1]);
      }
      Candidates.Builder b = Candidates.builder(name, n);
      for (int i = 0; i < n; i++) {
        b.add(ids[i], (float) Math.max(Float.MIN_NORMAL, w[i] / w[0]));
      }
      snapshot = b.build();
      refreshedAt = now;
    } finally {
      refreshLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "TrendingSource[" + name + ", k=" + k + ", " + weights.size() + " items tracked]";
  }

  /** Configures a {@link TrendingSource}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private int k = 100;
    private Duration halfLife = Duration.ofHours(1);
    private Duration refresh = Duration.ofSeconds(1);
    private double minWeight = 1e-3;
    private Ticker ticker = Ticker.system();

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
    }

    /** How many items to return; default 100. */
    public Builder k(int k) {
      if (k <= 0 || k > 100_000) {
        throw new IllegalArgumentException("k must be in [1, 100000], was " + k);
      }
      this.k = k;
      return this;
    }

    /** After how long an interaction counts half; default 1 hour. */
    public Builder halfLife(Duration halfLife) {
      Objects.requireNonNull(halfLife, "halfLife");
      if (halfLife.isNegative() || halfLife.isZero()) {
        throw new IllegalArgumentException("halfLife must be positive, was " + halfLife);
      }
      this.halfLife = halfLife;
      return this;
    }

    /** How often the served top-k is recomputed, at most; default 1 second. */
    public Builder refreshEvery(Duration refresh) {
      Objects.requireNonNull(refresh, "refresh");
      if (refresh.isNegative()) {
        throw new IllegalArgumentException("refresh must not be negative, was " + refresh);
      }
      this.refresh = refresh;
      return this;
    }

    /** Decayed weight under which an item is forgotten at refresh; default 0.001. */
    public Builder minWeight(double minWeight) {
      if (!(minWeight >= 0) || Double.isInfinite(minWeight)) {
        throw new IllegalArgumentException("minWeight must be finite and >= 0, was " + minWeight);
      }
      this.minWeight = minWeight;
      return this;
    }

    /** The clock decay and refreshes follow; default {@link Ticker#system()}. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    public TrendingSource build() {
      return new TrendingSource(this);
    }
  }
}
