package dev.shortlist.core;

/**
 * Produces candidates for a query: an ANN search over the user's embedding, neighbours of recent
 * items, trending items. Sources run in parallel, each under the retrieval deadline; one that
 * misses it or throws is dropped (or fails the request, if declared fail-closed).
 *
 * <p>Contract: return at most a few thousand candidates built with
 * {@link Candidates#builder(String)} under {@link #name()}, higher retrieval score = better;
 * never null. Respecting {@link Query#exclusions()} is welcome (an index can filter inside its
 * search) but not required: the pipeline filters them anyway. Implementations must be thread-safe.
 */
public interface CandidateSource extends Stage {

  /** Retrieves candidates for {@code query}. */
  Candidates retrieve(Query query) throws Exception;
}
