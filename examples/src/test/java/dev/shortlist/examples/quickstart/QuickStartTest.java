package dev.shortlist.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shortlist.core.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuickStartTest {

  @Test
  void quickStart_recommendsByEmbedding_andDropsTheClickedItemAtOnce() {
    Response[] r = QuickStart.run();

    assertThat(r[0].ids()).containsExactly(1, 2);
    assertThat(r[1].ids()).containsExactly(2, 3);
    assertThat(r[0].degraded()).isFalse();
  }

  /** The README quotes QuickStart between its markers; the quote must match the compiled code. */
  @Test
  void readme_quotesTheCompiledQuickStartVerbatim() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("README.md")) || !Files.exists(root.resolve("examples"))) {
      root = root.getParent();
      assertThat(root).as("repository root with README.md").isNotNull();
    }
    String source =
        Files.readString(
            root.resolve("examples/src/main/java/dev/shortlist/examples/quickstart/QuickStart.java"));
    String quoted = between(source, "// README:begin\n", "      // README:end");
    String readme = Files.readString(root.resolve("README.md"));

    assertThat(readme).contains(dedent(quoted));
  }

  private static String between(String s, String begin, String end) {
    int b = s.indexOf(begin);
    int e = s.indexOf(end, b);
    assertThat(b).as("marker %s", begin).isNotNegative();
    assertThat(e).as("marker %s", end).isNotNegative();
    return s.substring(b + begin.length(), e);
  }

  /** Removes the four spaces of method-body indentation. */
  private static String dedent(String block) {
    StringBuilder out = new StringBuilder();
    for (String line : List.of(block.split("\n", -1))) {
      out.append(line.startsWith("    ") ? line.substring(4) : line).append('\n');
    }
    return out.toString().stripTrailing();
  }
}
