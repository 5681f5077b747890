package dev.shortlist.core;

/**
 * Builds the candidates × features matrix that scorers read.
 *
 * <p>Contract: return a matrix with exactly one row per candidate, in candidate order, with the
 * same {@link #schema()} on every call. Implementations must be thread-safe.
 */
public interface FeatureAssembler extends Stage {

  /** The columns every assembled matrix has. */
  FeatureSchema schema();

  /** Assembles the features of {@code candidates}. */
  FeatureMatrix assemble(Query query, Candidates candidates) throws Exception;
}
