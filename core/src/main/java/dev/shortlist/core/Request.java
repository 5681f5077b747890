package dev.shortlist.core;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One recommendation request: for whom, in what context, how many items, which items never to
 * return, and the latency budget.
 *
 * <p>Immutable and thread-safe; {@code context} is copied.
 *
 * @param userId the user to recommend for; not blank
 * @param context request attributes (device, surface, locale, ...) by name
 * @param size how many items the response holds at most; 1 to {@value #MAX_SIZE}
 * @param exclusions item ids the response must never contain
 * @param budget the latency budget; every stage runs under a deadline this far from the start
 */
public record Request(
    String userId, Map<String, String> context, int size, IdSet exclusions, Duration budget) {

  /** The default latency budget: 100 ms. */
  public static final Duration DEFAULT_BUDGET = Duration.ofMillis(100);

  /** The largest {@code size} a request may ask for. */
  public static final int MAX_SIZE = 10_000;

  public Request {
    if (userId == null || userId.isBlank()) {
      throw new IllegalArgumentException("userId must not be null or blank, was " + (userId == null ? "null" : "'" + userId + "'"));
    }
    Objects.requireNonNull(context, "context");
    for (Map.Entry<String, String> e : context.entrySet()) {
      if (e.getKey() == null || e.getValue() == null) {
        throw new IllegalArgumentException(
            "context must not hold null keys or values, was " + e.getKey() + "=" + e.getValue());
      }
    }
    context = Map.copyOf(context);
    if (size <= 0 || size > MAX_SIZE) {
      throw new IllegalArgumentException("size must be in [1, " + MAX_SIZE + "], was " + size);
    }
    Objects.requireNonNull(exclusions, "exclusions");
    Objects.requireNonNull(budget, "budget");
    if (budget.isNegative() || budget.isZero()) {
      throw new IllegalArgumentException("budget must be positive, was " + budget);
    }
  }

  /** Starts a request for {@code userId} with size 10, no context, no exclusions, 100 ms. */
  public static Builder forUser(String userId) {
    return new Builder(userId);
  }

  /** Builds a {@link Request}; not thread-safe. Values are checked by {@link #build()}. */
  public static final class Builder {
    private final String userId;
    private final Map<String, String> context = new LinkedHashMap<>();
    private int size = 10;
    private IdSet exclusions = IdSet.empty();
    private Duration budget = DEFAULT_BUDGET;

    private Builder(String userId) {
      this.userId = userId;
    }

    /** Adds one context attribute. */
    public Builder context(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      context.put(name, value);
      return this;
    }

    /** How many items to return at most. */
    public Builder size(int size) {
      this.size = size;
      return this;
    }

    /** Items the response must not contain (added to any given before). */
    public Builder exclude(long... itemIds) {
      exclusions = exclusions.union(IdSet.of(itemIds));
      return this;
    }

    /** Items the response must not contain (added to any given before). */
    public Builder exclude(IdSet itemIds) {
      exclusions = exclusions.union(itemIds);
      return this;
    }

    /** The latency budget. */
    public Builder budget(Duration budget) {
      this.budget = budget;
      return this;
    }

    public Request build() {
      return new Request(userId, context, size, exclusions, budget);
    }
  }
}
