package dev.shortlist.bench.ann;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One measurement of {@code shortlist ann}: an index kind at one k and one search setting.
 * Latencies in milliseconds; {@code buildSeconds} and {@code buildItemsPerSecond} are NaN for an
 * index loaded with {@code --load-index}.
 */
record AnnResult(
    String index,
    int k,
    IndexKind.SearchParameter parameter,
    int setting,
    double recall,
    double p50Ms,
    double p99Ms,
    double qps,
    double buildSeconds,
    double buildItemsPerSecond,
    long memoryBytes) {

  /** The setting as shown in tables and charts: {@code ef=40}, {@code nprobe=8} or {@code -}. */
  String settingText() {
    return parameter.key() == null ? "-" : parameter.key() + "=" + setting;
  }

  /** The fields as JSON keys, in order; {@code ef}/{@code nprobe} null where not applicable. */
  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", index);
    m.put("k", k);
    m.put("ef", parameter == IndexKind.SearchParameter.EF ? setting : null);
    m.put("nprobe", parameter == IndexKind.SearchParameter.NPROBE ? setting : null);
    m.put("recall", recall);
    m.put("p50_ms", p50Ms);
    m.put("p99_ms", p99Ms);
    m.put("qps", qps);
    m.put("build_s", buildSeconds);
    m.put("build_items_per_s", buildItemsPerSecond);
    m.put("memory_bytes", memoryBytes);
    return m;
  }

  /** The results as an aligned text table with a header line. */
  static String table(List<AnnResult> results) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"index", "k", "search", "recall", "p50 ms", "p99 ms", "QPS", "build s",
        "build items/s", "memory"});
    for (AnnResult r : results) {
      rows.add(new String[] {
        r.index,
        Integer.toString(r.k),
        r.settingText(),
        String.format(Locale.ROOT, "%.4f", r.recall),
        String.format(Locale.ROOT, "%.3f", r.p50Ms),
        String.format(Locale.ROOT, "%.3f", r.p99Ms),
        String.format(Locale.ROOT, "%,.0f", r.qps),
        Double.isNaN(r.buildSeconds) ? "loaded" : String.format(Locale.ROOT, "%.1f", r.buildSeconds),
        Double.isNaN(r.buildItemsPerSecond) ? "-" : String.format(Locale.ROOT, "%,.0f", r.buildItemsPerSecond),
        bytes(r.memoryBytes)
      });
    }
    int[] width = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        boolean left = c == 0 || c == 2;
        String cell = left ? pad(row[c], width[c], false) : pad(row[c], width[c], true);
        b.append(c == 0 ? "" : "  ").append(cell);
      }
      b.append(System.lineSeparator());
    }
    return b.toString();
  }

  private static String pad(String s, int width, boolean right) {
    String spaces = " ".repeat(width - s.length());
    return right ? spaces + s : s + spaces;
  }

  /** {@code 12.3 MB} style, powers of 1000 as disk and RAM vendors count. */
  static String bytes(long n) {
    if (n < 1_000) {
      return n + " B";
    }
    String[] units = {"kB", "MB", "GB", "TB"};
    double v = n;
    int u = -1;
    while (v >= 1_000 && u < units.length - 1) {
      v /= 1_000;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
