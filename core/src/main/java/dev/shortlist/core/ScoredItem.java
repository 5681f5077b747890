package dev.shortlist.core;

import java.util.Objects;

/**
 * One recommended item.
 *
 * @param id the item id
 * @param score the final ranking score; finite
 * @param source the candidate source that produced it
 */
public record ScoredItem(long id, float score, String source) {

  public ScoredItem {
    if (!Float.isFinite(score)) {
      throw new IllegalArgumentException("score must be finite, was " + score + " for item " + id);
    }
    Objects.requireNonNull(source, "source");
  }
}
