package dev.shortlist.ranking;

import dev.shortlist.core.Candidates;
import dev.shortlist.core.Query;

/**
 * Computes one feature of one candidate: from the query (user, context), the candidate's columns
 * (id, retrieval score, source), or both. Must be thread-safe and fast: it runs once per candidate
 * per feature on the request path.
 */
@FunctionalInterface
public interface CandidateFeature {

  /** The feature's value for row {@code row}; NaN means missing (the feature's default is used). */
  float value(Query query, Candidates candidates, int row);
}
