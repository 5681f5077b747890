package dev.shortlist.bench.ann;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void write_escapesStrings_andWritesNumbersNullsAndNesting() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", "a \"b\"\\\n\t\u0001");
    m.put("int", 3);
    m.put("long", 10_000_000_000L);
    m.put("whole", 2.0);
    m.put("fraction", 0.951200);
    m.put("tiny", 1.5e-7);
    m.put("nan", Double.NaN);
    m.put("none", null);
    m.put("flag", true);
    m.put("list", Arrays.asList(1, null));

    assertThat(Json.write(m))
        .isEqualTo("{\"name\": \"a \\\"b\\\"\\\\\\n\\t\\u0001\", \"int\": 3, \"long\": 10000000000,"
            + " \"whole\": 2.0, \"fraction\": 0.9512, \"tiny\": 1.5e-07, \"nan\": null,"
            + " \"none\": null, \"flag\": true, \"list\": [\n    1,\n    null\n  ]}\n");
  }

  @Test
  void write_emptyList_isBrackets() {
    assertThat(Json.write(List.of())).isEqualTo("[]\n");
  }
}
