package dev.shortlist.core.eval;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The result of an offline evaluation: the split's sizes and one {@link MethodResult} per method,
 * printable as a table or as JSON.
 *
 * <p>Immutable and thread-safe.
 *
 * @param split {@code "temporal"} or {@code "random"}, with the holdout fraction in {@code holdout}
 * @param holdout the fraction of each user's interactions held out
 * @param trainInteractions the number of training interactions
 * @param users the number of users in training
 * @param items the number of items in training (the catalogue that coverage divides by)
 * @param testUsers the number of users evaluated
 * @param heldOutItems the number of held-out (user, item) pairs
 * @param candidates how many candidates retrieval passes to ranking
 * @param methods the methods, in table order
 */
public record EvaluationReport(
    String split, double holdout, int trainInteractions, int users, int items, int testUsers,
    int heldOutItems, int candidates, List<MethodResult> methods) {

  public EvaluationReport {
    Objects.requireNonNull(split, "split");
    methods = List.copyOf(methods);
  }

  /**
   * The result of {@code method}.
   *
   * @throws IllegalArgumentException if there is none
   */
  public MethodResult method(String method) {
    return methods.stream()
        .filter(m -> m.method().equals(method))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no method '" + method + "' in the report"));
  }

  /** The report as a fixed-width text table with a header line about the split. */
  public String toTable() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "%s split, holdout %.2f: %,d training interactions, %,d users, %,d items; %,d test users, %,d held-out items%n",
        split, holdout, trainInteractions, users, items, testUsers, heldOutItems));
    sb.append(String.format(Locale.ROOT, "retrieval passes %d candidates to ranking%n%n", candidates));
    List<String> names = methods.isEmpty() ? List.of() : List.copyOf(methods.get(0).metrics().keySet());
    sb.append(String.format(Locale.ROOT, "%-11s", "method"));
    for (String n : names) {
      sb.append(String.format(Locale.ROOT, " %10s", n));
    }
    sb.append(String.format(Locale.ROOT, " %8s %8s%n", "p50 ms", "p99 ms"));
    for (MethodResult m : methods) {
      sb.append(String.format(Locale.ROOT, "%-11s", m.method()));
      for (String n : names) {
        Double v = m.metrics().get(n);
        sb.append(v == null ? String.format(Locale.ROOT, " %10s", "-") : String.format(Locale.ROOT, " %10.4f", v));
      }
      sb.append(String.format(Locale.ROOT, " %8.2f %8.2f", m.latencyP50Millis(), m.latencyP99Millis()));
      if (m.degraded() > 0) {
        sb.append("  (").append(m.degraded()).append(" degraded)");
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /**
   * The report as one JSON object: {@code "split"} with the split's sizes, {@code "candidates"},
   * and {@code "methods"}, an array of one object per method holding {@code "method"}, each
   * metric by name ({@code "ndcg@10"}, ...), {@code "latency_p50_ms"}, {@code "latency_p99_ms"}
   * and {@code "degraded"}.
   */
  public String toJson() {
    StringBuilder sb = new StringBuilder();
    sb.append("{\n  \"split\": {")
        .append("\"kind\": ").append(quote(split))
        .append(", \"holdout\": ").append(number(holdout))
        .append(", \"train_interactions\": ").append(trainInteractions)
        .append(", \"users\": ").append(users)
        .append(", \"items\": ").append(items)
        .append(", \"test_users\": ").append(testUsers)
        .append(", \"held_out_items\": ").append(heldOutItems)
        .append("},\n  \"candidates\": ").append(candidates)
        .append(",\n  \"methods\": [");
    for (int i = 0; i < methods.size(); i++) {
      MethodResult m = methods.get(i);
      sb.append(i == 0 ? "\n    {" : ",\n    {").append("\"method\": ").append(quote(m.method()));
      for (Map.Entry<String, Double> e : m.metrics().entrySet()) {
        sb.append(", ").append(quote(e.getKey())).append(": ").append(number(e.getValue()));
      }
      sb.append(", \"latency_p50_ms\": ").append(number(m.latencyP50Millis()))
          .append(", \"latency_p99_ms\": ").append(number(m.latencyP99Millis()))
          .append(", \"degraded\": ").append(m.degraded()).append('}');
    }
    sb.append("\n  ]\n}\n");
    return sb.toString();
  }

  private static String number(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
