package dev.shortlist.core;

/**
 * Scores candidates: maps each row to one float, higher = better.
 *
 * <p>Contract (enforced by the pipeline): return a new array with exactly one finite score per
 * candidate, in the candidates' row order; never drop or reorder (that is the selector's job).
 * Scorers run in the order declared; each sees the previous one's scores as
 * {@link Candidates#score(int)}, and the last one's scores rank. Implementations must be
 * thread-safe.
 */
public interface Scorer extends Stage {

  /** One score per row of {@code candidates}, in row order. */
  float[] score(Query query, Candidates candidates) throws Exception;

  /**
   * The feature names this scorer reads from {@link Candidates#features()}. The recommender
   * checks them against its {@link FeatureAssembler#schema()} when it is built, so a model that
   * expects a feature the assembly does not produce is refused at load time. Default: none.
   */
  default java.util.List<String> requiredFeatures() {
    return java.util.List.of();
  }
}
