package dev.shortlist.bench.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress bar on a terminal (redrawn in place), or a few plain lines otherwise (CI logs).
 * Used by every command of the command line. Not thread-safe; report from one thread.
 */
public final class Progress {
  private static final int WIDTH = 30;

  private final String label;
  private final long total;
  private final PrintWriter out;
  private final boolean interactive;
  private final long start = System.nanoTime();
  private long lastDraw;
  private int lastQuarter = -1;

  /** A bar labelled {@code label} for {@code total} units of work, drawn on {@code out}. */
  public Progress(String label, long total, PrintWriter out) {
    this.label = label;
    this.total = Math.max(1, total);
    this.out = out;
    this.interactive = System.console() != null;
  }

  /** Reports {@code done} units finished so far. */
  public void update(long done) {
    double f = Math.min(1, (double) done / total);
    if (interactive) {
      long now = System.nanoTime();
      if (now - lastDraw < 100_000_000L && done < total) {
        return;
      }
      lastDraw = now;
      int filled = (int) (f * WIDTH);
      out.printf(Locale.ROOT, "\r  %-28s [%s%s] %3.0f%%", label, "#".repeat(filled),
          ".".repeat(WIDTH - filled), f * 100);
      out.flush();
    } else {
      int quarter = (int) (f * 4);
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        out.printf(Locale.ROOT, "  %-28s %3d%%%n", label, quarter * 25);
        out.flush();
      }
    }
  }

  /** Completes the bar and prints the elapsed time. */
  public void done() {
    update(total);
    double s = (System.nanoTime() - start) / 1e9;
    if (interactive) {
      out.printf(Locale.ROOT, "  %.1f s%n", s);
    } else {
      out.printf(Locale.ROOT, "  %-28s done in %.1f s%n", label, s);
    }
    out.flush();
  }
}
