package dev.shortlist.ranking;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small, strict JSON reader for model files (RFC 8259, plus the tokens {@code NaN}, {@code
 * Infinity} and {@code -Infinity}, which XGBoost writes for non-finite floats).
 *
 * <p>The document becomes plain values: {@link Map} (insertion-ordered, duplicate keys refused),
 * {@link List}, {@link String}, {@link Num} (the number's text, so that a float parses to the
 * exact {@code float} the writer printed rather than through a {@code double}), {@link Boolean}
 * and {@link #NULL}. Syntax errors name the file, line, column and character offset; {@link Node}
 * navigates the result and names the field path in its errors.
 *
 * <p>Stateless; each parse uses its own reader, so it is thread-safe.
 */
final class Json {

  /** JSON {@code null}. */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  /** Deeper nesting than this is refused rather than risking a stack overflow. */
  static final int MAX_DEPTH = 512;

  /** A JSON number, as written. */
  record Num(String text) {
    boolean isInteger() {
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '.' || c == 'e' || c == 'E' || c == 'N' || c == 'I') {
          return false;
        }
      }
      return true;
    }

    double doubleValue() {
      return Double.parseDouble(text);
    }

    float floatValue() {
      return Float.parseFloat(text);
    }

    @Override
    public String toString() {
      return text;
    }
  }

  private final String s;
  private final Path file;
  private int pos;

  private Json(String s, Path file) {
    this.s = s;
    this.file = file;
  }

  /**
   * Reads and parses {@code file} (UTF-8; malformed bytes are an error).
   *
   * @throws ModelFormatException if the file is not valid UTF-8 or not one JSON value
   * @throws IOException if it cannot be read
   */
  static Node read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new ModelFormatException(file, "", "not valid UTF-8 text (" + e.getMessage() + ")");
    }
    return new Node(parse(text, file), "", file);
  }

  /**
   * Parses one JSON value, with nothing but whitespace around it.
   *
   * @param file named in error messages
   * @throws ModelFormatException on any syntax error, with line and column
   */
  static Object parse(String text, Path file) throws ModelFormatException {
    Json p = new Json(text, file);
    p.skipWhitespace();
    Object v = p.value(0);
    p.skipWhitespace();
    if (p.pos < text.length()) {
      throw p.error("unexpected " + p.describe(p.pos) + " after the end of the JSON value");
    }
    return v;
  }

  private Object value(int depth) throws ModelFormatException {
    if (pos >= s.length()) {
      throw error("unexpected end of input: the file is truncated");
    }
    char c = s.charAt(pos);
    switch (c) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string();
      case 't':
        literal("true");
        return Boolean.TRUE;
      case 'f':
        literal("false");
        return Boolean.FALSE;
      case 'n':
        literal("null");
        return NULL;
      case 'N':
        literal("NaN");
        return new Num("NaN");
      case 'I':
        literal("Infinity");
        return new Num("Infinity");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("expected a JSON value, found " + describe(pos));
    }
  }

  private Map<String, Object> object(int depth) throws ModelFormatException {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH + " levels");
    }
    pos++; // '{'
    Map<String, Object> m = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return m;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error(pos >= s.length() ? "unexpected end of input: the file is truncated"
            : "expected a string key, found " + describe(pos));
      }
      int keyAt = pos;
      String key = string();
      skipWhitespace();
      expect(':');
      skipWhitespace();
      Object v = value(depth);
      if (m.putIfAbsent(key, v) != null) {
        pos = keyAt;
        throw error("duplicate key \"" + key + "\"");
      }
      skipWhitespace();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == '}') {
        pos++;
        return m;
      } else {
        throw error(pos >= s.length() ? "unexpected end of input: the file is truncated"
            : "expected ',' or '}', found " + describe(pos));
      }
    }
  }

  private List<Object> array(int depth) throws ModelFormatException {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH + " levels");
    }
    pos++; // '['
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return list;
    }
    while (true) {
      skipWhitespace();
      list.add(value(depth));
      skipWhitespace();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == ']') {
        pos++;
        return list;
      } else {
        throw error(pos >= s.length() ? "unexpected end of input: the file is truncated"
            : "expected ',' or ']', found " + describe(pos));
      }
    }
  }

  private String string() throws ModelFormatException {
    int start = ++pos; // after '"'
    // Fast path: no escapes.
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == '"') {
        return s.substring(start, pos++);
      }
      if (c == '\\') {
        break;
      }
      if (c < 0x20) {
        throw error("control character " + describe(pos) + " inside a string");
      }
      pos++;
    }
    StringBuilder b = new StringBuilder(s.length() - start < 64 ? 16 : 64);
    b.append(s, start, pos);
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == '"') {
        pos++;
        return b.toString();
      }
      if (c < 0x20) {
        throw error("control character " + describe(pos) + " inside a string");
      }
      if (c != '\\') {
        b.append(c);
        pos++;
        continue;
      }
      if (pos + 1 >= s.length()) {
        break;
      }
      char e = s.charAt(pos + 1);
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (pos + 6 > s.length()) {
            pos = s.length();
            throw error("unexpected end of input: the file is truncated");
          }
          int code = 0;
          for (int i = pos + 2; i < pos + 6; i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0) {
              pos = i;
              throw error("bad \\u escape: " + describe(i) + " is not a hex digit");
            }
            code = code * 16 + d;
          }
          b.append((char) code);
          pos += 4;
        }
        default -> {
          pos++;
          throw error("bad escape \\" + e);
        }
      }
      pos += 2;
    }
    throw error("unexpected end of input inside a string: the file is truncated");
  }

  private Num number() throws ModelFormatException {
    int start = pos;
    if (peek() == '-') {
      pos++;
      if (peek() == 'I') {
        literal("Infinity");
        return new Num("-Infinity");
      }
    }
    if (peek() == '0') {
      pos++;
    } else if (isDigit(peek())) {
      digits();
    } else {
      throw error(pos >= s.length() ? "unexpected end of input: the file is truncated"
          : "expected a digit, found " + describe(pos));
    }
    if (peek() == '.') {
      pos++;
      if (!isDigit(peek())) {
        throw error("expected a digit after '.', found " + describe(pos));
      }
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!isDigit(peek())) {
        throw error("expected a digit in the exponent, found " + describe(pos));
      }
      digits();
    }
    return new Num(s.substring(start, pos));
  }

  private void digits() {
    while (isDigit(peek())) {
      pos++;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private void literal(String word) throws ModelFormatException {
    for (int i = 0; i < word.length(); i++) {
      if (pos >= s.length()) {
        throw error("unexpected end of input: the file is truncated");
      }
      if (s.charAt(pos) != word.charAt(i)) {
        throw error("expected '" + word + "', found " + describe(pos));
      }
      pos++;
    }
  }

  private void expect(char c) throws ModelFormatException {
    if (pos >= s.length()) {
      throw error("unexpected end of input: the file is truncated");
    }
    if (s.charAt(pos) != c) {
      throw error("expected '" + c + "', found " + describe(pos));
    }
    pos++;
  }

  /** The next character, or 0 at the end. */
  private char peek() {
    return pos < s.length() ? s.charAt(pos) : 0;
  }

  private void skipWhitespace() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        pos++;
      } else {
        return;
      }
    }
  }

  private String describe(int at) {
    if (at >= s.length()) {
      return "the end of input";
    }
    char c = s.charAt(at);
    return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }

  private ModelFormatException error(String problem) {
    if (pos >= s.length() && !problem.contains("truncated")) {
      problem = "unexpected end of input: the file is truncated (" + problem + ")";
    }
    int line = 1;
    int column = 1;
    int end = Math.min(pos, s.length());
    for (int i = 0; i < end; i++) {
      if (s.charAt(i) == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return new ModelFormatException(
        file, "line " + line + ", column " + column + " (character " + end + ")", problem);
  }

  /**
   * A parsed value with its path in the document, for typed access whose errors name the file
   * and the field ({@code learner.gradient_booster.model.trees[3].left_children}).
   */
  static final class Node {
    final Object value;
    final String path;
    final Path file;

    Node(Object value, String path, Path file) {
      this.value = value;
      this.path = path;
      this.file = file;
    }

    ModelFormatException error(String problem) {
      return new ModelFormatException(file, path.isEmpty() ? "the top level" : path, problem);
    }

    private String child(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map() throws ModelFormatException {
      if (value instanceof Map<?, ?> m) {
        return (Map<String, Object>) m;
      }
      throw error("expected a JSON object, found " + kind(value));
    }

    boolean isObject() {
      return value instanceof Map;
    }

    boolean isArray() {
      return value instanceof List;
    }

    boolean isString() {
      return value instanceof String;
    }

    boolean isNull() {
      return value == NULL;
    }

    /** The field {@code key} of this object. */
    Node get(String key) throws ModelFormatException {
      Map<String, Object> m = map();
      Object v = m.get(key);
      if (v == null) {
        throw new ModelFormatException(
            file, child(key), "missing field (the object has " + m.keySet() + ")");
      }
      return new Node(v, child(key), file);
    }

    /** The field {@code key} of this object, or null when there is none. */
    Node opt(String key) throws ModelFormatException {
      Object v = map().get(key);
      return v == null ? null : new Node(v, child(key), file);
    }

    Set<String> keys() throws ModelFormatException {
      return map().keySet();
    }

    List<Node> elements() throws ModelFormatException {
      List<?> list = list();
      List<Node> out = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        out.add(new Node(list.get(i), path + "[" + i + "]", file));
      }
      return out;
    }

    int size() throws ModelFormatException {
      return list().size();
    }

    private List<?> list() throws ModelFormatException {
      if (value instanceof List<?> l) {
        return l;
      }
      throw error("expected a JSON array, found " + kind(value));
    }

    String string() throws ModelFormatException {
      if (value instanceof String str) {
        return str;
      }
      throw error("expected a string, found " + kind(value));
    }

    boolean bool() throws ModelFormatException {
      if (value instanceof Boolean b) {
        return b;
      }
      throw error("expected true or false, found " + kind(value));
    }

    /** A JSON number, or a string holding one (XGBoost writes parameters as strings). */
    double number() throws ModelFormatException {
      String text = numberText();
      try {
        return Double.parseDouble(text);
      } catch (NumberFormatException e) {
        throw error("expected a number, found \"" + text + "\"");
      }
    }

    /** Like {@link #number()}, parsed straight to the nearest float. */
    float floatNumber() throws ModelFormatException {
      String text = numberText();
      try {
        return Float.parseFloat(text);
      } catch (NumberFormatException e) {
        throw error("expected a number, found \"" + text + "\"");
      }
    }

    /** A JSON number (not a string), parsed straight to the nearest float. */
    float jsonFloat() throws ModelFormatException {
      if (value instanceof Num n) {
        return n.floatValue();
      }
      throw error("expected a number, found " + kind(value));
    }

    /** A JSON integer (or a string holding one) within int range. */
    int integer() throws ModelFormatException {
      String text = numberText();
      try {
        return Integer.parseInt(text.strip());
      } catch (NumberFormatException e) {
        throw error("expected an integer, found \"" + text + "\"");
      }
    }

    private String numberText() throws ModelFormatException {
      if (value instanceof Num n) {
        return n.text();
      }
      if (value instanceof String str) {
        return str;
      }
      throw error("expected a number, found " + kind(value));
    }

    int[] intArray() throws ModelFormatException {
      List<?> list = list();
      int[] out = new int[list.size()];
      for (int i = 0; i < out.length; i++) {
        Object v = list.get(i);
        if (!(v instanceof Num n) || !n.isInteger()) {
          throw elementError(i, "expected an integer, found " + kind(v));
        }
        try {
          out[i] = Integer.parseInt(n.text());
        } catch (NumberFormatException e) {
          throw elementError(i, "integer " + n.text() + " is out of range");
        }
      }
      return out;
    }

    float[] floatArray() throws ModelFormatException {
      List<?> list = list();
      float[] out = new float[list.size()];
      for (int i = 0; i < out.length; i++) {
        if (!(list.get(i) instanceof Num n)) {
          throw elementError(i, "expected a number, found " + kind(list.get(i)));
        }
        out[i] = n.floatValue();
      }
      return out;
    }

    /** 0/1 integers or booleans, as booleans. */
    boolean[] flagArray() throws ModelFormatException {
      List<?> list = list();
      boolean[] out = new boolean[list.size()];
      for (int i = 0; i < out.length; i++) {
        Object v = list.get(i);
        if (v instanceof Boolean b) {
          out[i] = b;
        } else if (v instanceof Num n && (n.text().equals("0") || n.text().equals("1"))) {
          out[i] = n.text().equals("1");
        } else {
          throw elementError(i, "expected 0, 1, true or false, found " + kind(v));
        }
      }
      return out;
    }

    List<String> stringList() throws ModelFormatException {
      List<?> list = list();
      List<String> out = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        if (!(list.get(i) instanceof String str)) {
          throw elementError(i, "expected a string, found " + kind(list.get(i)));
        }
        out.add(str);
      }
      return out;
    }

    ModelFormatException elementError(int i, String problem) {
      return new ModelFormatException(file, path + "[" + i + "]", problem);
    }

    static String kind(Object v) {
      if (v instanceof Map) {
        return "an object";
      }
      if (v instanceof List) {
        return "an array";
      }
      if (v instanceof String str) {
        return "the string \"" + (str.length() > 40 ? str.substring(0, 40) + "..." : str) + "\"";
      }
      if (v instanceof Num n) {
        return "the number " + n.text();
      }
      if (v instanceof Boolean b) {
        return b.toString();
      }
      return "null";
    }
  }
}
