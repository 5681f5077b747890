package dev.shortlist.core;

import java.util.Objects;

/**
 * A typed name for a value that a {@link QueryHydrator} attaches to a {@link Query} and later
 * stages read, e.g. the user's embedding.
 *
 * <p>Keys compare by identity: declare each once as a constant. The values are shared by every
 * stage of a request without copying: treat them as read-only, arrays included. Immutable and
 * thread-safe.
 *
 * @param <T> the type of the value
 */
public final class QueryKey<T> {

  /** The user's embedding, read by embedding candidate sources and cross features. */
  public static final QueryKey<float[]> USER_EMBEDDING = of("user-embedding", float[].class);

  private final String name;
  private final Class<T> type;

  private QueryKey(String name, Class<T> type) {
    this.name = name;
    this.type = type;
  }

  /**
   * A new key.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static <T> QueryKey<T> of(String name, Class<T> type) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
    }
    return new QueryKey<>(name, type);
  }

  public String name() {
    return name;
  }

  public Class<T> type() {
    return type;
  }

  T cast(Object value) {
    return type.cast(value);
  }

  @Override
  public String toString() {
    return "QueryKey[" + name + ": " + type.getSimpleName() + "]";
  }
}
