package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  static final Path FILE = Path.of("model.json");

  static Object parse(String s) throws ModelFormatException {
    return Json.parse(s, FILE);
  }

  @Test
  void parse_valuesOfEveryKind() throws ModelFormatException {
    Object v = parse(" {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"d\"}, \"e\": [] }\n");
    assertThat(v).isInstanceOf(Map.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) v;
    assertThat(m.keySet()).containsExactly("a", "b", "e");
    @SuppressWarnings("unchecked")
    List<Object> a = (List<Object>) m.get("a");
    assertThat(a).containsExactly(new Json.Num("1"), new Json.Num("-2.5e3"), true, false, Json.NULL);
    assertThat(((Map<?, ?>) m.get("b")).get("c")).isEqualTo("d");
  }

  @Test
  void strings_decodeEveryEscape() throws ModelFormatException {
    assertThat(parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\""))
        .isEqualTo("a\"b\\c/d\b\f\n\r\té\uD83D\uDE00");
  }

  @Test
  void floats_parseToTheExactFloatWritten_notThroughDouble() throws ModelFormatException {
    // A decimal just above the midpoint of two floats: via double it rounds the other way.
    float direct = Float.parseFloat("1.00000005960464477539062500001");
    Json.Node n = new Json.Node(parse("[1.00000005960464477539062500001]"), "", FILE);
    assertThat(n.floatArray()[0]).isEqualTo(direct);
    assertThat((float) Double.parseDouble("1.00000005960464477539062500001")).isNotEqualTo(direct);
  }

  @Test
  void nonStandardNumbers_thatXgboostWrites_areAccepted() throws ModelFormatException {
    assertThat(parse("[NaN, Infinity, -Infinity]"))
        .isEqualTo(List.of(new Json.Num("NaN"), new Json.Num("Infinity"), new Json.Num("-Infinity")));
  }

  @Test
  void syntaxErrors_nameLineAndColumn() {
    String[][] cases = {
      {"{\"a\": 01}", "line 1, column 8 (character 7): expected ',' or '}', found '1'"},
      {"[1,]", "line 1, column 4 (character 3): expected a JSON value, found ']'"},
      {"{\"a\" 1}", "line 1, column 6 (character 5): expected ':', found '1'"},
      {"{a: 1}", "line 1, column 2 (character 1): expected a string key, found 'a'"},
      {"[1.]", "line 1, column 4 (character 3): expected a digit after '.', found ']'"},
      {"[1e]", "line 1, column 4 (character 3): expected a digit in the exponent, found ']'"},
      {"[-]", "line 1, column 3 (character 2): expected a digit, found ']'"},
      {"\"a\nb\"", "line 1, column 3 (character 2): control character U+000A inside a string"},
      {"\"\\x\"", "line 1, column 3 (character 2): bad escape \\x"},
      {"\"\\u12g4\"", "line 1, column 6 (character 5): bad \\u escape: 'g' is not a hex digit"},
      {"[1] [2]", "line 1, column 5 (character 4): unexpected '[' after the end of the JSON value"},
      {"[\n1,\n", "line 3, column 1 (character 5): unexpected end of input: the file is truncated"},
      {"\"abc", "line 1, column 5 (character 4): unexpected end of input inside a string: the file is truncated"},
      {"[tru]", "line 1, column 5 (character 4): expected 'true', found ']'"},
      {"", "line 1, column 1 (character 0): unexpected end of input: the file is truncated"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> parse(c[0])).as(c[0]).isInstanceOf(ModelFormatException.class)
          .hasMessage("model.json, " + c[1]);
    }
  }

  @Test
  void deepNesting_isRefused_withoutStackOverflow() {
    String deep = "[".repeat(100_000);
    assertThatThrownBy(() -> parse(deep)).isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("nesting deeper than 512 levels");
  }

  @Test
  void nodes_nameTheFieldPath_inErrors() throws ModelFormatException {
    Json.Node root = new Json.Node(parse("{\"a\": {\"b\": [1, \"x\", 3]}}"), "", FILE);
    assertThatThrownBy(() -> root.get("a").get("b").intArray())
        .hasMessage("model.json, a.b[1]: expected an integer, found the string \"x\"");
    assertThatThrownBy(() -> root.get("a").get("c"))
        .hasMessage("model.json, a.c: missing field (the object has [b])");
    assertThatThrownBy(() -> root.get("a").get("b").elements().get(0).string())
        .hasMessage("model.json, a.b[0]: expected a string, found the number 1");
    assertThatThrownBy(() -> new Json.Node(parse("[2147483648]"), "n", FILE).intArray())
        .hasMessage("model.json, n[0]: integer 2147483648 is out of range");
  }
}
