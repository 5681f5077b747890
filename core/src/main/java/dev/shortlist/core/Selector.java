package dev.shortlist.core;

/**
 * Chooses the final list: sorts by score, diversifies, truncates. The only stage that may drop
 * or reorder scored candidates.
 *
 * <p>Contract (enforced by the pipeline): return at most {@code size} distinct row indexes of
 * {@code candidates}, best first. Deterministic for equal inputs. Implementations must be
 * thread-safe.
 */
public interface Selector extends Stage {

  /** The chosen rows of {@code candidates}, best first. */
  int[] select(Query query, Candidates candidates, int size);
}
