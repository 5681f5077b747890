package dev.shortlist.core.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads an interactions CSV file with a header line: which columns hold the user, the item, the
 * optional rating and the optional time are named by the caller, so any log with that shape
 * reads (MovieLens {@code ratings.csv} is {@code userId,movieId,rating,timestamp}). Fields may be
 * quoted ({@code "a,b"}, {@code ""} for a quote); other columns are ignored.
 *
 * <p>Item ids must be integers (they become {@code long} candidate ids); user ids are any
 * non-blank text; ratings are decimal numbers; times are integers (any unit, larger is later).
 * With {@link Builder#minRating(double)} only rows rated at least that much are kept: the
 * positive interactions of an implicit-feedback protocol.
 *
 * <p>Immutable and thread-safe.
 */
public final class InteractionsCsv {

  private final String userColumn;
  private final String itemColumn;
  private final String ratingColumn;
  private final double minRating;
  private final String timeColumn;

  private InteractionsCsv(Builder b) {
    this.userColumn = b.userColumn;
    this.itemColumn = b.itemColumn;
    this.ratingColumn = b.ratingColumn;
    this.minRating = b.minRating;
    this.timeColumn = b.timeColumn;
  }

  /** A reader of columns {@code userColumn} and {@code itemColumn}, no rating, no time. */
  public static Builder builder(String userColumn, String itemColumn) {
    return new Builder(userColumn, itemColumn);
  }

  /**
   * Reads {@code file}.
   *
   * @throws NoSuchFileException if the file does not exist
   * @throws IOException if it cannot be read, or a line is malformed (the message names the file,
   *     the line and the column)
   * @throws IllegalArgumentException if a named column is not in the header (the message lists
   *     the header)
   */
  public Interactions read(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "interactions file does not exist");
    }
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      if (header == null) {
        throw new IOException(file + ": empty file, expected a header line");
      }
      if (header.startsWith("\uFEFF")) {
        header = header.substring(1);
      }
      List<String> names = split(header);
      int user = column(names, "user column", userColumn, file);
      int item = column(names, "item column", itemColumn, file);
      int rating = ratingColumn == null ? -1 : column(names, "rating column", ratingColumn, file);
      int time = timeColumn == null ? -1 : column(names, "time column", timeColumn, file);
      int needed = Math.max(Math.max(user, item), Math.max(rating, time)) + 1;

      List<String> users = new ArrayList<>();
      long[] items = new long[1024];
      float[] ratings = new float[1024];
      long[] times = new long[1024];
      int n = 0;
      String line;
      int lineNo = 1;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        List<String> f = split(line);
        if (f.size() < needed) {
          throw new IOException(file + " line " + lineNo + ": " + f.size() + " fields, expected at least " + needed);
        }
        float r = Float.NaN;
        if (rating >= 0) {
          r = (float) parseDouble(f.get(rating), file, lineNo, ratingColumn);
          if (r < minRating) {
            continue;
          }
        }
        String u = f.get(user).trim();
        if (u.isEmpty()) {
          throw new IOException(file + " line " + lineNo + ": empty " + userColumn);
        }
        if (n == items.length) {
          items = Arrays.copyOf(items, n * 2);
          ratings = Arrays.copyOf(ratings, n * 2);
          times = Arrays.copyOf(times, n * 2);
        }
        users.add(u);
        items[n] = parseLong(f.get(item), file, lineNo, itemColumn);
        ratings[n] = r;
        if (time >= 0) {
          times[n] = parseLong(f.get(time), file, lineNo, timeColumn);
        }
        n++;
      }
      return Interactions.of(
          users.toArray(new String[0]),
          Arrays.copyOf(items, n),
          rating >= 0 ? Arrays.copyOf(ratings, n) : null,
          time >= 0 ? Arrays.copyOf(times, n) : null);
    }
  }

  private static int column(List<String> names, String what, String name, Path file) {
    int at = names.indexOf(name);
    if (at < 0) {
      throw new IllegalArgumentException(
          what + " '" + name + "' is not in the header of " + file + " (columns: " + names + ")");
    }
    return at;
  }

  private static long parseLong(String s, Path file, int line, String column) throws IOException {
    String t = s.trim();
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      // Times and ids written as "1.2e9" or "42.0" by some tools.
      try {
        double d = Double.parseDouble(t);
        if (d == Math.rint(d) && Math.abs(d) < 0x1p62) {
          return (long) d;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw new IOException(file + " line " + line + ": " + column + " must be an integer, was '" + s + "'");
    }
  }

  private static double parseDouble(String s, Path file, int line, String column) throws IOException {
    try {
      double d = Double.parseDouble(s.trim());
      if (Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IOException(file + " line " + line + ": " + column + " must be a finite number, was '" + s + "'");
  }

  /**
   * Splits one CSV line: commas separate fields, double quotes quote them (a doubled quote inside
   * is one quote). For other files of the same layout, e.g. MovieLens's {@code movies.csv}.
   */
  public static List<String> split(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            cur.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }

  /** Configures an {@link InteractionsCsv}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final String userColumn;
    private final String itemColumn;
    private String ratingColumn;
    private double minRating = Double.NEGATIVE_INFINITY;
    private String timeColumn;

    private Builder(String userColumn, String itemColumn) {
      this.userColumn = checkName("userColumn", userColumn);
      this.itemColumn = checkName("itemColumn", itemColumn);
    }

    /** The column holding ratings; null for none. */
    public Builder ratingColumn(String ratingColumn) {
      this.ratingColumn = ratingColumn == null ? null : checkName("ratingColumn", ratingColumn);
      return this;
    }

    /** Keep only rows rated at least {@code minRating}; needs a rating column. */
    public Builder minRating(double minRating) {
      if (!Double.isFinite(minRating)) {
        throw new IllegalArgumentException("minRating must be finite, was " + minRating);
      }
      this.minRating = minRating;
      return this;
    }

    /** The column holding times; null for none. */
    public Builder timeColumn(String timeColumn) {
      this.timeColumn = timeColumn == null ? null : checkName("timeColumn", timeColumn);
      return this;
    }

    /**
     * Builds the reader.
     *
     * @throws IllegalStateException if a minimum rating is set without a rating column
     */
    public InteractionsCsv build() {
      if (ratingColumn == null && minRating != Double.NEGATIVE_INFINITY) {
        throw new IllegalStateException("minRating " + minRating + " needs a rating column");
      }
      return new InteractionsCsv(this);
    }

    private static String checkName(String what, String name) {
      Objects.requireNonNull(name, what);
      if (name.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank, was '" + name + "'");
      }
      return name;
    }
  }
}
