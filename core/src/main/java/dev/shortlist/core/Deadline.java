package dev.shortlist.core;

import java.time.Duration;
import java.util.Objects;

/**
 * A point in time, on a {@link Ticker}, by which work must finish.
 *
 * <p>Every stage receives the request's deadline; long-running work (an index search, a model
 * evaluation) should check {@link #isExpired()} and stop early. Immutable and thread-safe.
 */
public final class Deadline {

  private static final Deadline NONE = new Deadline(Ticker.system(), Long.MAX_VALUE, true);

  private final Ticker ticker;
  private final long expiresAtNanos;
  private final boolean infinite;

  private Deadline(Ticker ticker, long expiresAtNanos, boolean infinite) {
    this.ticker = ticker;
    this.expiresAtNanos = expiresAtNanos;
    this.infinite = infinite;
  }

  /**
   * A deadline {@code budget} from now on {@code ticker}.
   *
   * @throws IllegalArgumentException if {@code budget} is zero or negative
   */
  public static Deadline after(Duration budget, Ticker ticker) {
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(ticker, "ticker");
    if (budget.isNegative() || budget.isZero()) {
      throw new IllegalArgumentException("budget must be positive, was " + budget);
    }
    long nanos = saturatedNanos(budget);
    long now = ticker.read();
    long at = now + nanos;
    if (at < now) {
      at = Long.MAX_VALUE;
    }
    return new Deadline(ticker, at, false);
  }

  /** A deadline that never expires, for offline callers (index builds, evaluation). */
  public static Deadline none() {
    return NONE;
  }

  /** Nanoseconds left before expiry; zero or negative once expired. */
  public long remainingNanos() {
    if (infinite) {
      return Long.MAX_VALUE;
    }
    return expiresAtNanos - ticker.read();
  }

  /** Whether the deadline has passed. */
  public boolean isExpired() {
    return !infinite && remainingNanos() <= 0;
  }

  /**
   * Throws if the deadline has passed; long loops call this every so often.
   *
   * @param what the work being done, for the message (e.g. {@code "exact search"})
   * @throws DeadlineExceededException if expired
   */
  public void check(String what) {
    if (!infinite) {
      long remaining = remainingNanos();
      if (remaining <= 0) {
        throw new DeadlineExceededException(
            what + " passed its deadline by " + (-remaining / 1_000) + " µs");
      }
    }
  }

  /** Whether this deadline never expires. */
  public boolean isInfinite() {
    return infinite;
  }

  /**
   * A deadline at {@code fraction} of the time remaining now, never later than this one; used to
   * reserve part of a request's budget for the stages after retrieval.
   *
   * @throws IllegalArgumentException if {@code fraction} is not in (0, 1]
   */
  public Deadline fractionOfRemaining(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], was " + fraction);
    }
    if (infinite || fraction == 1) {
      return this;
    }
    long now = ticker.read();
    long remaining = expiresAtNanos - now;
    if (remaining <= 0) {
      return this;
    }
    return new Deadline(ticker, now + (long) (remaining * fraction), false);
  }

  /** The ticker this deadline is measured on. */
  public Ticker ticker() {
    return ticker;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException overflow) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public String toString() {
    return infinite ? "Deadline[none]" : "Deadline[remaining=" + remainingNanos() + "ns]";
  }
}
