package dev.shortlist.core.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A log of user–item interactions as columns: user id, item id, rating (NaN when the log has
 * none) and time (when the log has a time column). Row order is the order of the source file.
 *
 * <p>Immutable and thread-safe.
 */
public final class Interactions {

  private final String[] users;
  private final long[] items;
  private final float[] ratings;
  private final long[] times;
  private final boolean hasRatings;

  private Interactions(String[] users, long[] items, float[] ratings, long[] times, boolean hasRatings) {
    this.users = users;
    this.hasRatings = hasRatings;
    this.items = items;
    this.ratings = ratings;
    this.times = times;
  }

  /**
   * Interactions from parallel columns; arrays are copied.
   *
   * @param ratings one rating per row, or null when the log has none
   * @param times one time per row (any unit, larger is later), or null when the log has none
   * @throws IllegalArgumentException if the columns differ in length or a user id is blank
   */
  public static Interactions of(String[] users, long[] items, float[] ratings, long[] times) {
    Objects.requireNonNull(users, "users");
    Objects.requireNonNull(items, "items");
    int n = users.length;
    if (items.length != n || (ratings != null && ratings.length != n) || (times != null && times.length != n)) {
      throw new IllegalArgumentException(
          "columns differ in length: users " + n + ", items " + items.length
              + (ratings == null ? "" : ", ratings " + ratings.length)
              + (times == null ? "" : ", times " + times.length));
    }
    for (int i = 0; i < n; i++) {
      if (users[i] == null || users[i].isBlank()) {
        throw new IllegalArgumentException("user id of row " + i + " must not be blank, was '" + users[i] + "'");
      }
    }
    float[] r = ratings == null ? new float[n] : ratings.clone();
    if (ratings == null) {
      Arrays.fill(r, Float.NaN);
    }
    return new Interactions(users.clone(), items.clone(), r, times == null ? null : times.clone(), ratings != null);
  }

  /** The number of interactions. */
  public int size() {
    return items.length;
  }

  public String user(int row) {
    return users[row];
  }

  public long item(int row) {
    return items[row];
  }

  /** The rating of row {@code row}, NaN when the log has no ratings. */
  public float rating(int row) {
    return ratings[row];
  }

  /** Whether the log has ratings. */
  public boolean hasRatings() {
    return hasRatings;
  }

  /** Whether the log has a time column. */
  public boolean hasTimes() {
    return times != null;
  }

  /**
   * The time of row {@code row}.
   *
   * @throws IllegalStateException if the log has no time column
   */
  public long time(int row) {
    if (times == null) {
      throw new IllegalStateException("these interactions have no time column");
    }
    return times[row];
  }

  /** The rows of each user, in row order; users in order of first appearance. */
  public Map<String, int[]> rowsByUser() {
    Map<String, List<Integer>> lists = new LinkedHashMap<>();
    for (int i = 0; i < users.length; i++) {
      lists.computeIfAbsent(users[i], u -> new ArrayList<>()).add(i);
    }
    Map<String, int[]> out = new LinkedHashMap<>();
    lists.forEach((u, l) -> out.put(u, l.stream().mapToInt(Integer::intValue).toArray()));
    return out;
  }

  /** The number of interactions per item. */
  public Map<Long, Integer> itemCounts() {
    Map<Long, Integer> counts = new HashMap<>();
    for (long item : items) {
      counts.merge(item, 1, Integer::sum);
    }
    return counts;
  }

  /** The distinct item ids, in order of first appearance. */
  public long[] distinctItems() {
    return Arrays.stream(items).distinct().toArray();
  }

  /** The number of distinct users. */
  public int userCount() {
    return (int) Arrays.stream(users).distinct().count();
  }

  /** The rows at {@code rows}, in that order. */
  public Interactions select(int[] rows) {
    String[] u = new String[rows.length];
    long[] it = new long[rows.length];
    float[] r = new float[rows.length];
    long[] t = times == null ? null : new long[rows.length];
    for (int i = 0; i < rows.length; i++) {
      u[i] = users[rows[i]];
      it[i] = items[rows[i]];
      r[i] = ratings[rows[i]];
      if (t != null) {
        t[i] = times[rows[i]];
      }
    }
    return new Interactions(u, it, r, t, hasRatings);
  }

  @Override
  public String toString() {
    return "Interactions[" + size() + " rows" + (hasRatings() ? ", ratings" : "")
        + (hasTimes() ? ", times" : "") + "]";
  }
}
