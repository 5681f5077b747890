package dev.shortlist.core;

/**
 * A request failed in a stage: carries the stage's name and whose fault it was, so a service can
 * answer with a client error or a server error.
 */
public final class StageException extends RuntimeException {

  /** Who is at fault. */
  public enum Fault {
    /** The request was invalid for this stage (e.g. a stage threw IllegalArgumentException). */
    CALLER,
    /** The stage failed, timed out or broke its contract. */
    SYSTEM
  }

  private final String stage;
  private final Fault fault;

  public StageException(String stage, Fault fault, String message, Throwable cause) {
    super("stage '" + stage + "' failed (" + fault.name().toLowerCase(java.util.Locale.ROOT)
        + " fault): " + message, cause);
    this.stage = stage;
    this.fault = fault;
  }

  /** The name of the stage that failed. */
  public String stage() {
    return stage;
  }

  public Fault fault() {
    return fault;
  }
}
