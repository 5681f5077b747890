package dev.shortlist.core;

import java.time.Instant;
import java.util.Objects;

/**
 * Something a user did with an item: a view, click, purchase, rating.
 *
 * <p>Immutable and thread-safe.
 *
 * @param userId who; not blank
 * @param itemId which item
 * @param kind what happened ({@code "view"}, {@code "click"}, ...); not blank
 * @param weight how strong a signal it is (a rating, a dwell time, 1 for a click); finite
 * @param timestamp when it happened
 */
public record Interaction(String userId, long itemId, String kind, float weight, Instant timestamp) {

  public Interaction {
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException("userId must not be null or blank, was " + (userId == null ? "null" : "'" + userId + "'"));
    }
    Objects.requireNonNull(kind, "kind");
    if (kind.isBlank()) {
      throw new IllegalArgumentException("kind must not be blank, was '" + kind + "'");
    }
    if (!Float.isFinite(weight)) {
      throw new IllegalArgumentException("weight must be finite, was " + weight);
    }
    Objects.requireNonNull(timestamp, "timestamp");
  }
}
