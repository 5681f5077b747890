package dev.shortlist.core;

/**
 * A source of monotonic time in nanoseconds, injected wherever the library measures or bounds
 * time so that tests can drive it by hand.
 *
 * <p>Implementations must be thread-safe; {@link #system()} is.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current time in nanoseconds from an arbitrary, fixed origin. */
  long read();

  /** The JVM's monotonic clock ({@link System#nanoTime()}). */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
