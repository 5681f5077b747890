package dev.shortlist.ranking;

import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.InMemoryItemFeatures;
import dev.shortlist.core.eval.Interactions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link FeatureAssembly} of the standard learning-to-rank features that an interaction log
 * alone yields, for ranking the candidates of a retrieval stage. Statistics are counted once from
 * the log given to {@link #builder}; users and items are keyed by their ids, so a user or item
 * not in the log gets missing values (NaN, which tree ensembles handle).
 *
 * <p>Features, in column order ("span" is the log's time range; time features are missing when
 * the log has no time column, rating features when it has no ratings):
 *
 * <ul>
 *   <li>{@code retrieval_score}: the candidate's score from its source;
 *   <li>{@code item_log_count}: {@code ln(1 + interactions with the item)};
 *   <li>{@code item_recent_log_count}: the same over the last tenth of the span;
 *   <li>{@code item_mean_rating}: the item's mean rating;
 *   <li>{@code item_age}: (end − the item's first interaction) / span;
 *   <li>{@code item_staleness}: (end − the item's last interaction) / span;
 *   <li>{@code user_log_count}: {@code ln(1 + the user's interactions)};
 *   <li>{@code user_mean_rating}: the user's mean rating;
 *   <li>{@code user_mainstream}: the mean {@code item_log_count} of the user's items;
 *   <li>{@code user_staleness}: (end − the user's last interaction) / span;
 *   <li>{@code item_user_time_gap}: (the item's first interaction − the user's last) / span: how
 *       new the item was when the user was last active;
 *   <li>{@code item_log_count_near_user}: {@code ln(1 + interactions with the item within a
 *       twentieth of the span of the user's last interaction)}: popularity at the user's time;
 *   <li>with {@link Builder#categories categories} (e.g. genres): {@code category_affinity_max}
 *       and {@code category_affinity_mean}, the largest and the mean, over the candidate's
 *       categories, of the share of the user's items in that category.
 * </ul>
 *
 * <p>Immutable and thread-safe once built.
 */
public final class InteractionFeatures {

  private InteractionFeatures() {}

  /** Starts features counted from {@code log}. */
  public static Builder builder(Interactions log) {
    return new Builder(log);
  }

  private record UserStats(float logCount, float meanRating, float mainstream, float staleness,
      long lastTime, Map<String, Float> categoryShare) {}

  /** Configures the features; not thread-safe. */
  public static final class Builder {
    private final Interactions log;
    private Map<Long, List<String>> categories;
    private String name = "features";

    private Builder(Interactions log) {
      this.log = Objects.requireNonNull(log, "log");
    }

    /** Each item's categories (genres, brands, ...); items absent from the map have none. */
    public Builder categories(Map<Long, List<String>> categories) {
      this.categories = Map.copyOf(Objects.requireNonNull(categories, "categories"));
      return this;
    }

    /** The assembly's stage name; default {@code "features"}. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Counts the statistics and builds the assembly. */
    public FeatureAssembly build() {
      int n = log.size();
      boolean timed = log.hasTimes();
      long start = Long.MAX_VALUE;
      long end = Long.MIN_VALUE;
      for (int i = 0; timed && i < n; i++) {
        start = Math.min(start, log.time(i));
        end = Math.max(end, log.time(i));
      }
      double span = timed ? Math.max(1, end - start) : Double.NaN;
      long recentFrom = timed ? end - (long) (span / 10) : Long.MAX_VALUE;

      Map<Long, double[]> items = new HashMap<>(); // count, recent, rating sum, first, last
      for (int i = 0; i < n; i++) {
        double[] s = items.computeIfAbsent(log.item(i),
            k -> new double[] {0, 0, 0, Double.MAX_VALUE, -Double.MAX_VALUE});
        s[0]++;
        if (timed) {
          long t = log.time(i);
          if (t >= recentFrom) {
            s[1]++;
          }
          s[3] = Math.min(s[3], t);
          s[4] = Math.max(s[4], t);
        }
        if (log.hasRatings()) {
          s[2] += log.rating(i);
        }
      }
      String[] itemNames = {"item_log_count", "item_recent_log_count", "item_mean_rating",
          "item_age", "item_staleness"};
      InMemoryItemFeatures store = InMemoryItemFeatures.create(FeatureSchema.of(itemNames));
      Map<Long, Float> itemLogCount = new HashMap<>();
      for (Map.Entry<Long, double[]> e : items.entrySet()) {
        double[] s = e.getValue();
        float logCount = (float) Math.log1p(s[0]);
        itemLogCount.put(e.getKey(), logCount);
        store.put(e.getKey(), new float[] {
          logCount,
          timed ? (float) Math.log1p(s[1]) : Float.NaN,
          log.hasRatings() ? (float) (s[2] / s[0]) : Float.NaN,
          timed ? (float) ((end - s[3]) / span) : Float.NaN,
          timed ? (float) ((end - s[4]) / span) : Float.NaN
        });
      }

      Map<Long, long[]> itemTimes = new HashMap<>();
      if (timed) {
        Map<Long, List<Long>> lists = new HashMap<>();
        for (int i = 0; i < n; i++) {
          lists.computeIfAbsent(log.item(i), k -> new java.util.ArrayList<>()).add(log.time(i));
        }
        lists.forEach((item, l) -> itemTimes.put(item, l.stream().mapToLong(Long::longValue).sorted().toArray()));
      }
      long window = timed ? Math.max(1, (long) (span / 20)) : 0;

      Map<String, UserStats> users = new HashMap<>();
      for (Map.Entry<String, int[]> e : log.rowsByUser().entrySet()) {
        int[] rows = e.getValue();
        double ratingSum = 0;
        double mainstream = 0;
        long last = Long.MIN_VALUE;
        Map<String, Float> share = new HashMap<>();
        for (int r : rows) {
          ratingSum += log.hasRatings() ? log.rating(r) : 0;
          mainstream += itemLogCount.get(log.item(r));
          if (timed) {
            last = Math.max(last, log.time(r));
          }
          if (categories != null) {
            for (String c : categories.getOrDefault(log.item(r), List.of())) {
              share.merge(c, 1f / rows.length, Float::sum);
            }
          }
        }
        users.put(e.getKey(), new UserStats(
            (float) Math.log1p(rows.length),
            log.hasRatings() ? (float) (ratingSum / rows.length) : Float.NaN,
            (float) (mainstream / rows.length),
            timed ? (float) ((end - last) / span) : Float.NaN,
            last,
            share));
      }

      FeatureAssembly.Builder b = FeatureAssembly.builder(name)
          .feature("retrieval_score", Float.NaN, (q, c, row) -> c.retrievalScore(row))
          .itemFeatures(store, Float.NaN, itemNames)
          .queryFeature("user_log_count", Float.NaN, q -> user(users, q.userId()).logCount())
          .queryFeature("user_mean_rating", Float.NaN, q -> user(users, q.userId()).meanRating())
          .queryFeature("user_mainstream", Float.NaN, q -> user(users, q.userId()).mainstream())
          .queryFeature("user_staleness", Float.NaN, q -> user(users, q.userId()).staleness());
      if (timed) {
        double spanD = span;
        b.feature("item_user_time_gap", Float.NaN, (q, c, row) -> {
          long[] times = itemTimes.get(c.id(row));
          UserStats u = user(users, q.userId());
          return times == null || u.lastTime() == Long.MIN_VALUE
              ? Float.NaN : (float) ((times[0] - u.lastTime()) / spanD);
        });
        b.feature("item_log_count_near_user", Float.NaN, (q, c, row) -> {
          long[] times = itemTimes.get(c.id(row));
          UserStats u = user(users, q.userId());
          if (times == null || u.lastTime() == Long.MIN_VALUE) {
            return Float.NaN;
          }
          int from = lowerBound(times, u.lastTime() - window);
          int to = lowerBound(times, u.lastTime() + window + 1);
          return (float) Math.log1p(to - from);
        });
      }
      if (categories != null) {
        Map<Long, List<String>> cats = categories;
        b.feature("category_affinity_max", Float.NaN, (q, c, row) -> {
          Map<String, Float> share = user(users, q.userId()).categoryShare();
          float max = 0;
          for (String g : cats.getOrDefault(c.id(row), List.of())) {
            max = Math.max(max, share.getOrDefault(g, 0f));
          }
          return share.isEmpty() ? Float.NaN : max;
        });
        b.feature("category_affinity_mean", Float.NaN, (q, c, row) -> {
          Map<String, Float> share = user(users, q.userId()).categoryShare();
          List<String> gs = cats.getOrDefault(c.id(row), List.of());
          if (share.isEmpty() || gs.isEmpty()) {
            return Float.NaN;
          }
          float sum = 0;
          for (String g : gs) {
            sum += share.getOrDefault(g, 0f);
          }
          return sum / gs.size();
        });
      }
      return b.build();
    }

    private static final UserStats UNKNOWN =
        new UserStats(Float.NaN, Float.NaN, Float.NaN, Float.NaN, Long.MIN_VALUE, Map.of());

    /** The first index of {@code sorted} holding a value ≥ {@code key}. */
    private static int lowerBound(long[] sorted, long key) {
      int lo = 0;
      int hi = sorted.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (sorted[mid] < key) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }

    private static UserStats user(Map<String, UserStats> users, String id) {
      return users.getOrDefault(id, UNKNOWN);
    }
  }
}
