package dev.shortlist.retrieval;

import dev.shortlist.core.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker driven by hand; optionally advances by a fixed step on every read. */
final class ManualTicker implements Ticker {

  private final AtomicLong nanos = new AtomicLong();
  private final long stepPerRead;
  private final AtomicLong reads = new AtomicLong();

  ManualTicker() {
    this(Duration.ZERO);
  }

  ManualTicker(Duration stepPerRead) {
    this.stepPerRead = stepPerRead.toNanos();
  }

  void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  long reads() {
    return reads.get();
  }

  @Override
  public long read() {
    reads.incrementAndGet();
    return nanos.getAndAdd(stepPerRead);
  }
}
