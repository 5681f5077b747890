package dev.shortlist.core;

/**
 * Fetches one piece of per-request state (the user's embedding, features, ...) before retrieval.
 * Hydrators run in parallel, under the request's deadline.
 *
 * <p>Contract: return a value of {@link #key()}'s type, or null when there is none for this user
 * (the key is then absent from the {@link Query}). A hydrator declared {@link #cacheable()} has its
 * result cached per user until that user's activity changes, so it must depend only on the user
 * and the activity, not on the request context. Implementations must be thread-safe.
 *
 * @param <T> the type of the value
 */
public interface QueryHydrator<T> extends Stage {

  /** The key the value is stored under. */
  QueryKey<T> key();

  /** Computes the value for this request, or null when there is none. */
  T hydrate(Request request, UserActivity activity, Deadline deadline) throws Exception;

  /** Whether the result may be cached per user until the user's activity changes. */
  default boolean cacheable() {
    return false;
  }

  /**
   * A cacheable hydrator named {@code "user-embedding"} that attaches {@code lookup.apply(userId)}
   * under {@link QueryKey#USER_EMBEDDING} (a null result: the user has no embedding). The lookup
   * must be thread-safe. Its result is cached per user until the user's activity changes, so a
   * user's embedding should change only together with their activity (through {@link
   * Recommender#record}).
   */
  static QueryHydrator<float[]> userEmbedding(java.util.function.Function<String, float[]> lookup) {
    java.util.Objects.requireNonNull(lookup, "lookup");
    return new QueryHydrator<>() {
      @Override
      public String name() {
        return "user-embedding";
      }

      @Override
      public QueryKey<float[]> key() {
        return QueryKey.USER_EMBEDDING;
      }

      @Override
      public float[] hydrate(Request request, UserActivity activity, Deadline deadline) {
        return lookup.apply(request.userId());
      }

      @Override
      public boolean cacheable() {
        return true;
      }
    };
  }
}
