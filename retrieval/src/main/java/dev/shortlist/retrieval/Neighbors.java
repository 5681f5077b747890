package dev.shortlist.retrieval;

import java.util.Arrays;
import java.util.Objects;

/**
 * The result of a nearest-neighbour search: ids and scores, best first (higher score = closer,
 * see {@link Metric}). Immutable and thread-safe.
 */
public final class Neighbors {

  private static final Neighbors EMPTY = new Neighbors(new long[0], new float[0]);

  private final long[] ids;
  private final float[] scores;

  private Neighbors(long[] ids, float[] scores) {
    this.ids = ids;
    this.scores = scores;
  }

  /**
   * Wraps {@code ids} and {@code scores}, taking ownership of both arrays.
   *
   * @throws IllegalArgumentException if the lengths differ
   */
  public static Neighbors wrap(long[] ids, float[] scores) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(scores, "scores");
    if (ids.length != scores.length) {
      throw new IllegalArgumentException(
          "ids has " + ids.length + " entries, scores has " + scores.length);
    }
    return ids.length == 0 ? EMPTY : new Neighbors(ids, scores);
  }

  public static Neighbors empty() {
    return EMPTY;
  }

  public int size() {
    return ids.length;
  }

  public long id(int i) {
    return ids[i];
  }

  public float score(int i) {
    return scores[i];
  }

  /** The ids, best first, as a new array. */
  public long[] ids() {
    return ids.clone();
  }

  /** The scores, best first, as a new array. */
  public float[] scores() {
    return scores.clone();
  }

  @Override
  public String toString() {
    int n = Math.min(ids.length, 5);
    return "Neighbors" + Arrays.toString(Arrays.copyOf(ids, n)) + (ids.length > n ? "…" : "");
  }
}
