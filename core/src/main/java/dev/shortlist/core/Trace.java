package dev.shortlist.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What happened while serving one request.
 *
 * @param stageNanos time spent per stage name, in pipeline order (sources and hydrators that
 *     timed out count the time waited for them)
 * @param candidatesPerSource how many candidates each source returned, before merging
 * @param mergedCandidates candidates after merging and de-duplication
 * @param removedPerFilter how many candidates each filter removed, in filter order
 * @param degradations what was dropped or skipped, and why; empty when nothing was
 * @param totalNanos time from the start of the request to the response
 */
public record Trace(
    Map<String, Long> stageNanos,
    Map<String, Integer> candidatesPerSource,
    int mergedCandidates,
    Map<String, Integer> removedPerFilter,
    List<Degradation> degradations,
    long totalNanos) {

  public Trace {
    stageNanos = copyOrdered(Objects.requireNonNull(stageNanos, "stageNanos"));
    candidatesPerSource =
        copyOrdered(Objects.requireNonNull(candidatesPerSource, "candidatesPerSource"));
    removedPerFilter = copyOrdered(Objects.requireNonNull(removedPerFilter, "removedPerFilter"));
    degradations = List.copyOf(degradations);
  }

  private static <V> Map<String, V> copyOrdered(Map<String, V> m) {
    return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(m));
  }

  /** Whether any stage was dropped or skipped. */
  public boolean degraded() {
    return !degradations.isEmpty();
  }
}
