package dev.shortlist.core;

/**
 * Work done after a response is returned, off the request thread: an impression log, a cache
 * refresh. A failing side effect is counted and never affects the response.
 *
 * <p>Implementations must be thread-safe.
 */
public interface SideEffect extends Stage {

  void apply(Query query, Response response) throws Exception;
}
