package dev.shortlist.core;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A request as the stages see it: the {@link Request}, its {@link Deadline}, the user's
 * {@link UserActivity} snapshot, and the values the hydrators attached.
 *
 * <p>Immutable and thread-safe.
 */
public final class Query {

  private final Request request;
  private final Deadline deadline;
  private final UserActivity activity;
  private final Map<QueryKey<?>, Object> values;

  private Query(
      Request request, Deadline deadline, UserActivity activity, Map<QueryKey<?>, Object> values) {
    this.request = request;
    this.deadline = deadline;
    this.activity = activity;
    this.values = values;
  }

  /**
   * A query with the given hydrated values; the recommender builds these, and tests of single
   * stages may too.
   *
   * @throws IllegalArgumentException if a value is not of its key's type, or belongs to another
   *     user than the request's
   */
  public static Query of(
      Request request, Deadline deadline, UserActivity activity, Map<QueryKey<?>, ?> values) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(deadline, "deadline");
    Objects.requireNonNull(activity, "activity");
    Objects.requireNonNull(values, "values");
    if (!activity.userId().equals(request.userId())) {
      throw new IllegalArgumentException(
          "activity is for user '" + activity.userId() + "', request is for '"
              + request.userId() + "'");
    }
    for (Map.Entry<QueryKey<?>, ?> e : values.entrySet()) {
      if (!e.getKey().type().isInstance(e.getValue())) {
        throw new IllegalArgumentException(
            "value for " + e.getKey() + " has type "
                + (e.getValue() == null ? "null" : e.getValue().getClass().getName()));
      }
    }
    return new Query(request, deadline, activity, Map.copyOf(values));
  }

  /** A query with no hydrated values and an empty activity; for tests and offline use. */
  public static Query of(Request request, Deadline deadline) {
    return of(request, deadline, UserActivity.empty(request.userId()), Map.of());
  }

  public Request request() {
    return request;
  }

  public String userId() {
    return request.userId();
  }

  /** The items this request must never return. */
  public IdSet exclusions() {
    return request.exclusions();
  }

  public Deadline deadline() {
    return deadline;
  }

  public UserActivity activity() {
    return activity;
  }

  /** The hydrated value for {@code key}, absent when no hydrator produced one. */
  public <T> Optional<T> get(QueryKey<T> key) {
    return Optional.ofNullable(key.cast(values.get(key)));
  }

  /**
   * The hydrated value for {@code key}.
   *
   * @throws IllegalStateException when no hydrator produced one (none declared, or it failed)
   */
  public <T> T require(QueryKey<T> key) {
    Object v = values.get(key);
    if (v == null) {
      throw new IllegalStateException(
          "query for user '" + userId() + "' has no value for " + key
              + " (no hydrator declares it, or it failed or timed out)");
    }
    return key.cast(v);
  }
}
