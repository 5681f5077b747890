package dev.shortlist.retrieval;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a NumPy {@code .npy} file: a magic string, a version, a little-endian header
 * length and a Python dict literal such as {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (2, 3), }} padded with spaces and a newline. Format specification:
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * <p>{@link #format} writes exactly what {@code numpy.save} writes for a 2-D C-ordered array,
 * including the spare space NumPy reserves so that the row count can grow in place: the header's
 * length does not depend on the row count, so a writer can write it first and rewrite it when
 * it knows how many rows it wrote. Stateless.
 */
final class NpyHeader {

  static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  /** Bytes before the header text in versions 1.0 and 2.0/3.0. */
  static final int PREFIX_V1 = 10;

  static final int PREFIX_V2 = 12;

  private static final int ALIGN = 64;

  /** As numpy.lib.format.GROWTH_AXIS_MAX_DIGITS. */
  private static final int GROWTH_AXIS_MAX_DIGITS = 21;

  private NpyHeader() {}

  /** The dtype string for {@code type}: {@code <f4} or {@code <i4}. */
  static String descr(VectorFiles.ElementType type) {
    return switch (type) {
      case FLOAT32 -> "<f4";
      case INT32 -> "<i4";
    };
  }

  /** The whole header (magic to newline) of a C-ordered {@code rows × dimension} array. */
  static byte[] format(VectorFiles.ElementType type, long rows, int dimension) {
    String dict =
        "{'descr': '" + descr(type) + "', 'fortran_order': False, 'shape': (" + rows + ", "
            + dimension + "), }";
    dict += " ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - Long.toString(rows).length()));
    int textLength = dict.length() + 1;
    int pad = ALIGN - ((PREFIX_V1 + textLength) % ALIGN);
    int headerLength = textLength + pad;
    if (headerLength > 0xFFFF) {
      throw new IllegalStateException("npy header too long: " + headerLength);
    }
    byte[] text = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[PREFIX_V1 + text.length];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    out[6] = 1;
    out[7] = 0;
    out[8] = (byte) headerLength;
    out[9] = (byte) (headerLength >>> 8);
    System.arraycopy(text, 0, out, PREFIX_V1, text.length);
    return out;
  }

  /** A header text that is not the Python literal expected, at character {@link #index}. */
  static final class Malformed extends Exception {
    final int index;

    Malformed(String message, int index) {
      super(message);
      this.index = index;
    }
  }

  /**
   * Parses the header dict: string keys; values that are strings, {@code True}/{@code False}/
   * {@code None} (as Boolean or null), integers (as Long; Python 2's {@code 3L} accepted), or
   * tuples/lists of those (as List). Whitespace and trailing commas are allowed as in Python.
   */
  static Map<String, Object> parse(String text) throws Malformed {
    Parser p = new Parser(text);
    p.skipSpace();
    if (p.peek() != '{') {
      throw new Malformed("expected a dict starting with '{'", p.i);
    }
    Object dict = p.value();
    p.skipSpace();
    if (p.i != text.length()) {
      throw new Malformed("unexpected text after the dict", p.i);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) dict;
    return map;
  }

  private static final class Parser {
    private final String s;
    int i;

    Parser(String s) {
      this.s = s;
    }

    char peek() {
      return i < s.length() ? s.charAt(i) : '\0';
    }

    void skipSpace() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    Object value() throws Malformed {
      skipSpace();
      char c = peek();
      if (c == '{') {
        return dict();
      }
      if (c == '(' || c == '[') {
        return sequence(c == '(' ? ')' : ']');
      }
      if (c == '\'' || c == '"') {
        return string(c);
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        return integer();
      }
      if (Character.isLetter(c)) {
        int start = i;
        while (i < s.length() && Character.isLetterOrDigit(s.charAt(i))) {
          i++;
        }
        String name = s.substring(start, i);
        return switch (name) {
          case "True" -> Boolean.TRUE;
          case "False" -> Boolean.FALSE;
          case "None" -> null;
          default -> throw new Malformed("unexpected name '" + name + "'", start);
        };
      }
      if (i >= s.length()) {
        throw new Malformed("unexpected end of header", i);
      }
      throw new Malformed("unexpected character '" + c + "'", i);
    }

    private Map<String, Object> dict() throws Malformed {
      i++; // '{'
      Map<String, Object> map = new LinkedHashMap<>();
      while (true) {
        skipSpace();
        if (peek() == '}') {
          i++;
          return map;
        }
        int keyAt = i;
        Object key = value();
        if (!(key instanceof String k)) {
          throw new Malformed("dict keys must be strings", keyAt);
        }
        skipSpace();
        if (peek() != ':') {
          throw new Malformed("expected ':' after key '" + k + "'", i);
        }
        i++;
        Object v = value();
        if (map.containsKey(k)) {
          throw new Malformed("duplicate key '" + k + "'", keyAt);
        }
        map.put(k, v);
        skipSpace();
        if (peek() == ',') {
          i++;
        } else if (peek() != '}') {
          throw new Malformed("expected ',' or '}' in the dict", i);
        }
      }
    }

    private List<Object> sequence(char close) throws Malformed {
      i++; // '(' or '['
      List<Object> items = new ArrayList<>();
      while (true) {
        skipSpace();
        if (peek() == close) {
          i++;
          return items;
        }
        items.add(value());
        skipSpace();
        if (peek() == ',') {
          i++;
        } else if (peek() != close) {
          throw new Malformed("expected ',' or '" + close + "'", i);
        }
      }
    }

    private String string(char quote) throws Malformed {
      int start = i++;
      StringBuilder b = new StringBuilder();
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == quote) {
          return b.toString();
        }
        if (c == '\\' && i < s.length()) {
          c = s.charAt(i++);
        }
        b.append(c);
      }
      throw new Malformed("unterminated string", start);
    }

    private Long integer() throws Malformed {
      int start = i;
      if (peek() == '-') {
        i++;
      }
      while (i < s.length() && Character.isDigit(s.charAt(i))) {
        i++;
      }
      String digits = s.substring(start, i);
      if (peek() == 'L' || peek() == 'l') {
        i++;
      }
      try {
        return Long.parseLong(digits);
      } catch (NumberFormatException e) {
        throw new Malformed("bad integer '" + digits + "'", start);
      }
    }
  }
}
