package dev.shortlist.core.eval;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * A per-user holdout split of an interaction log into training interactions and, for each test
 * user, the items held out for testing.
 *
 * <p><b>Protocol.</b> For each user with at least two interactions, the last
 * {@code round(holdout × n)} of their {@code n} interactions (at least one, at most {@code n −
 * 1}) are held out:
 *
 * <ul>
 *   <li>{@linkplain #temporal temporal}: "last" by time — each user's latest interactions, ties
 *       broken by file order (a later row is later), so the model is tested on what the user did
 *       after everything it trained on;
 *   <li>{@linkplain #random random}: for logs without times — "last" in an order shuffled per
 *       user by a seeded generator, so the same seed gives the same split.
 * </ul>
 *
 * Users with a single interaction stay entirely in training. The held-out set of a user is the
 * distinct held-out items that the user did not also interact with in training (re-consumption
 * is not a discovery); a user left with none is not a test user.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind {@code "temporal"} or {@code "random"}
 * @param holdout the fraction of each user's interactions held out, in (0, 1)
 * @param train the training interactions, in the log's row order
 * @param heldOut each test user's held-out items, users in order of first appearance
 */
public record Split(String kind, double holdout, Interactions train, Map<String, long[]> heldOut) {

  public Split {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(heldOut, "heldOut");
    checkHoldout(holdout);
    Map<String, long[]> copy = new LinkedHashMap<>();
    heldOut.forEach((u, items) -> copy.put(u, items.clone()));
    heldOut = Collections.unmodifiableMap(copy);
  }

  /**
   * Holds out each user's latest {@code holdout} fraction of interactions.
   *
   * @throws IllegalArgumentException if the log has no times or {@code holdout} is not in (0, 1)
   */
  public static Split temporal(Interactions log, double holdout) {
    Objects.requireNonNull(log, "log");
    checkHoldout(holdout);
    if (!log.hasTimes()) {
      throw new IllegalArgumentException("a temporal split needs a time column; use a random split");
    }
    return split("temporal", log, holdout, rows -> {
      Integer[] boxed = Arrays.stream(rows).boxed().toArray(Integer[]::new);
      // Stable sort by time: rows with equal times keep file order.
      Arrays.sort(boxed, (a, b) -> Long.compare(log.time(a), log.time(b)));
      return Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();
    });
  }

  /**
   * Holds out a seeded random {@code holdout} fraction of each user's interactions.
   *
   * @throws IllegalArgumentException if {@code holdout} is not in (0, 1)
   */
  public static Split random(Interactions log, double holdout, long seed) {
    Objects.requireNonNull(log, "log");
    checkHoldout(holdout);
    Random rnd = new Random(seed);
    return split("random", log, holdout, rows -> {
      int[] r = rows.clone();
      for (int i = r.length - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int t = r[i];
        r[i] = r[j];
        r[j] = t;
      }
      return r;
    });
  }

  /** A temporal split when the log has times, else a random one with {@code seed}. */
  public static Split of(Interactions log, double holdout, long seed) {
    return log.hasTimes() ? temporal(log, holdout) : random(log, holdout, seed);
  }

  /**
   * The same split applied to this split's training interactions (same kind and holdout; a
   * random split draws with {@code seed}): a validation split for tuning settings, whose
   * held-out items all come from the training period, so that the test holdout stays unseen.
   */
  public Split validation(long seed) {
    return kind.equals("temporal") ? temporal(train, holdout) : random(train, holdout, seed);
  }

  /** The number of held-out (user, item) pairs. */
  public int heldOutCount() {
    return heldOut.values().stream().mapToInt(a -> a.length).sum();
  }

  private interface Order {
    int[] apply(int[] rows);
  }

  private static Split split(String kind, Interactions log, double holdout, Order order) {
    boolean[] test = new boolean[log.size()];
    Map<String, long[]> heldOut = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : log.rowsByUser().entrySet()) {
      int[] rows = order.apply(e.getValue());
      int n = rows.length;
      if (n < 2) {
        continue;
      }
      int hold = (int) Math.min(n - 1, Math.max(1, Math.round(holdout * n)));
      Set<Long> trainItems = new HashSet<>();
      for (int i = 0; i < n - hold; i++) {
        trainItems.add(log.item(rows[i]));
      }
      Set<Long> held = new LinkedHashSet<>();
      for (int i = n - hold; i < n; i++) {
        test[rows[i]] = true;
        if (!trainItems.contains(log.item(rows[i]))) {
          held.add(log.item(rows[i]));
        }
      }
      long[] items = held.stream().mapToLong(Long::longValue).toArray();
      if (items.length > 0) {
        heldOut.put(e.getKey(), items);
      }
    }
    int[] trainRows = new int[log.size()];
    int t = 0;
    for (int i = 0; i < test.length; i++) {
      if (!test[i]) {
        trainRows[t++] = i;
      }
    }
    return new Split(kind, holdout, log.select(Arrays.copyOf(trainRows, t)), heldOut);
  }

  private static void checkHoldout(double holdout) {
    if (!(holdout > 0 && holdout < 1)) {
      throw new IllegalArgumentException("holdout must be in (0, 1), was " + holdout);
    }
  }
}
