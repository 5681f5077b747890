package dev.shortlist.core;

/** What a stage's failure or timeout does to the request. */
public enum FailureMode {
  /** The stage's result is dropped, the request goes on, and the response is marked degraded. */
  FAIL_OPEN,
  /** The request fails with a {@link StageException}. */
  FAIL_CLOSED
}
