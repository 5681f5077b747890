package dev.shortlist.core;

import java.util.Objects;

/**
 * Why a response is less than it would have been: a stage timed out, failed, or was skipped for
 * lack of time.
 *
 * @param stage the stage's name
 * @param reason what happened
 * @param detail a human-readable detail (the exception message, the contract broken)
 */
public record Degradation(String stage, Reason reason, String detail) {

  /** What happened to the stage. */
  public enum Reason {
    /** It did not finish before its deadline; its result was dropped. */
    TIMEOUT,
    /** It threw or broke its contract; its result was dropped. */
    FAILURE,
    /** It was not started because the deadline had passed. */
    SKIPPED
  }

  public Degradation {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
  }
}
