package dev.shortlist.core;

/**
 * Thrown by work that stopped because its {@link Deadline} passed. The pipeline counts a stage
 * that throws it as timed out.
 */
public final class DeadlineExceededException extends RuntimeException {

  public DeadlineExceededException(String message) {
    super(message);
  }
}
