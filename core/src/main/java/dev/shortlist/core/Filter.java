package dev.shortlist.core;

/**
 * Removes candidates: seen or excluded items, removed items, business rules. Filters run in the
 * order declared, each on what the previous one kept; the trace reports how many each removed.
 * Filters cannot reorder or add candidates.
 *
 * <p>Implementations must be thread-safe.
 */
public interface Filter extends Stage {

  /** Whether the candidate at {@code row} of {@code candidates} stays. */
  boolean keep(Query query, Candidates candidates, int row);
}
