package dev.shortlist.core.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The offline metrics of one method over the test users, and its serving latency.
 *
 * <p>Immutable and thread-safe.
 *
 * @param method the method's name ({@code "popularity"}, {@code "retrieval"}, {@code "two-stage"})
 * @param metrics mean metric values by name ({@code "ndcg@10"}, ...), in table order
 * @param latencyP50Millis the median latency of one {@code recommend} call, in milliseconds
 * @param latencyP99Millis the 99th percentile of that latency, in milliseconds
 * @param degraded how many responses said they degraded (a stage timed out or failed)
 */
public record MethodResult(
    String method, Map<String, Double> metrics, double latencyP50Millis, double latencyP99Millis,
    int degraded) {

  public MethodResult {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(metrics, "metrics");
    metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    if (degraded < 0) {
      throw new IllegalArgumentException("degraded must not be negative, was " + degraded);
    }
  }

  /**
   * The metric named {@code name}.
   *
   * @throws IllegalArgumentException if there is no such metric
   */
  public double metric(String name) {
    Double v = metrics.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no metric '" + name + "' (have " + metrics.keySet() + ")");
    }
    return v;
  }
}
