package dev.shortlist.ranking;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A model file that cannot be served: malformed or truncated, or using a construct Shortlist does
 * not evaluate (categorical splits, DART, multi-class, ...). The message names the file and where
 * in it the problem is (line and column, byte offset, or the JSON field), and nothing of the
 * model was loaded.
 *
 * <p>Immutable and thread-safe.
 */
public final class ModelFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String location;

  /**
   * @param file the model file
   * @param location where in the file, e.g. {@code "line 12"} or {@code "learner.objective.name"};
   *     may be empty
   * @param problem what is wrong
   */
  public ModelFormatException(Path file, String location, String problem) {
    super(message(file, location, problem));
    this.file = Objects.requireNonNull(file, "file");
    this.location = location == null ? "" : location;
  }

  private static String message(Path file, String location, String problem) {
    return Objects.requireNonNull(file, "file")
        + (location == null || location.isEmpty() ? "" : ", " + location)
        + ": " + problem;
  }

  /** The model file. */
  public Path file() {
    return file;
  }

  /** Where in the file the problem is (line/column, offset or field path); may be empty. */
  public String location() {
    return location;
  }
}
