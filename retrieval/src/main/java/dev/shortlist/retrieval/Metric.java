package dev.shortlist.retrieval;

/**
 * How vectors are compared. Every index reports scores where higher means closer:
 *
 * <ul>
 *   <li>{@link #COSINE}: cosine similarity, in [-1, 1]; vectors are normalised on the way in, so
 *       zero vectors are refused;
 *   <li>{@link #DOT}: the inner product;
 *   <li>{@link #L2}: the negated squared Euclidean distance (0 for identical vectors).
 * </ul>
 */
public enum Metric {
  COSINE,
  DOT,
  L2;

  /**
   * Parses {@code cosine}, {@code dot} or {@code l2}, ignoring case.
   *
   * @throws IllegalArgumentException naming the value and the choices
   */
  public static Metric parse(String value) {
    if (value != null) {
      for (Metric m : values()) {
        if (m.name().equalsIgnoreCase(value.trim())) {
          return m;
        }
      }
    }
    throw new IllegalArgumentException("metric must be one of cosine, dot, l2; was '" + value + "'");
  }
}
