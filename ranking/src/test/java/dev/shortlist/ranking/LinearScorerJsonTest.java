package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinearScorerJsonTest {

  @TempDir Path dir;

  Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void fromJson_readsNameBiasLogisticAndWeights_inFileOrder() throws IOException {
    LinearScorer s = LinearScorer.fromJson(write("m.json", """
        {"name": "ctr", "bias": -1.2, "logistic": true,
         "weights": {"similarity": 2.0, "popularity": 0.3}}
        """));
    assertThat(s.name()).isEqualTo("ctr");
    assertThat(s.bias()).isEqualTo(-1.2f);
    assertThat(s.weights()).containsExactly(
        org.assertj.core.api.Assertions.entry("similarity", 2.0f),
        org.assertj.core.api.Assertions.entry("popularity", 0.3f));
    assertThat(s.requiredFeatures()).containsExactly("similarity", "popularity");
    assertThat(s.toString()).contains("logistic");
  }

  @Test
  void fromJson_defaults_nameFromTheFile_noBias_linear() throws IOException {
    LinearScorer s = LinearScorer.fromJson(write("ranker.v2.json", "{\"weights\": {\"x\": 1}}"));
    assertThat(s.name()).isEqualTo("ranker.v2");
    assertThat(s.bias()).isZero();
    assertThat(s.toString()).doesNotContain("logistic");
  }

  @Test
  void fromJson_badFiles_nameTheFileAndTheField() throws IOException {
    Path p1 = write("a.json", "{\"weights\": {\"x\": \"1\"}}");
    assertThatThrownBy(() -> LinearScorer.fromJson(p1)).isInstanceOf(ModelFormatException.class)
        .hasMessage(p1 + ", weights.x: expected a number, found the string \"1\"");
    Path p2 = write("b.json", "{\"weights\": {}}");
    assertThatThrownBy(() -> LinearScorer.fromJson(p2)).hasMessage(p2 + ", weights: names no feature");
    Path p3 = write("c.json", "{\"bias\": 1}");
    assertThatThrownBy(() -> LinearScorer.fromJson(p3)).hasMessageStartingWith(p3 + ", weights: missing field");
    Path p4 = write("d.json", "{\"weights\": {\"x\": 1}, \"logistc\": true}");
    assertThatThrownBy(() -> LinearScorer.fromJson(p4)).hasMessageStartingWith(p4 + ", logistc: unknown field");
    Path p5 = write("e.json", "{\"weights\": {\"x\": NaN}}");
    assertThatThrownBy(() -> LinearScorer.fromJson(p5)).hasMessage(p5 + ", weights.x: weight must be a finite float, was NaN");
    Path p6 = write("f.json", "{\"weights\": {\"x\": 1e39}}");
    assertThatThrownBy(() -> LinearScorer.fromJson(p6)).hasMessageContaining("weights.x: weight must be a finite float, was Infinity");
    Path p7 = write("g.json", "{\"weights\": {\"x\": 1, \"x\": 2}}");
    assertThatThrownBy(() -> LinearScorer.fromJson(p7)).hasMessage(p7 + ", line 1, column 22 (character 21): duplicate key \"x\"");
    Path p8 = write("h.json", "{\"weights\": {\"x\": 1}, \"logistic\": 1}");
    assertThatThrownBy(() -> LinearScorer.fromJson(p8)).hasMessage(p8 + ", logistic: expected true or false, found the number 1");
    Path p9 = write("i.json", "{\"weights\": {\"x\": 1");
    assertThatThrownBy(() -> LinearScorer.fromJson(p9)).hasMessageContaining("line 1, column 20").hasMessageContaining("truncated");
    assertThatThrownBy(() -> LinearScorer.fromJson(dir.resolve("missing.json"))).isInstanceOf(java.nio.file.NoSuchFileException.class);
  }
}
