package dev.shortlist.core;

import java.util.List;
import java.util.Objects;

/**
 * The ranked items for one request, best first, and how they were produced.
 *
 * @param items at most {@link Request#size()} items, best first, ids distinct
 * @param trace per-stage times, counts and degradations
 */
public record Response(List<ScoredItem> items, Trace trace) {

  public Response {
    items = List.copyOf(Objects.requireNonNull(items, "items"));
    Objects.requireNonNull(trace, "trace");
  }

  /** Whether a stage was dropped or skipped while serving this response. */
  public boolean degraded() {
    return trace.degraded();
  }

  /** The item ids, best first. */
  public long[] ids() {
    long[] ids = new long[items.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = items.get(i).id();
    }
    return ids;
  }
}
