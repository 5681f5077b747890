package dev.shortlist.core;

/** Standard filters. */
public final class Filters {

  private Filters() {}

  /**
   * Removes the items in the user's recent activity (what they already saw or rated), named
   * {@code "seen"}. Thread-safe.
   */
  public static Filter seen() {
    return named("seen", (query, candidates, row) ->
        !query.activity().items().contains(candidates.id(row)));
  }

  /** A filter from a predicate, under {@code name}. */
  public static Filter named(String name, Predicate predicate) {
    java.util.Objects.requireNonNull(name, "name");
    java.util.Objects.requireNonNull(predicate, "predicate");
    return new Filter() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public boolean keep(Query query, Candidates candidates, int row) {
        return predicate.keep(query, candidates, row);
      }

      @Override
      public String toString() {
        return "Filter[" + name + "]";
      }
    };
  }

  /** The test of a filter: whether the candidate at {@code row} stays. */
  @FunctionalInterface
  public interface Predicate {
    boolean keep(Query query, Candidates candidates, int row);
  }

  /** The filter the pipeline always runs first: removes {@link Request#exclusions()}. */
  static final Filter EXCLUSIONS =
      named("exclusions", (query, candidates, row) -> !query.exclusions().contains(candidates.id(row)));
}
