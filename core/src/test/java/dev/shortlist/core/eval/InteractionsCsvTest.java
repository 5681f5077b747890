package dev.shortlist.core.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InteractionsCsvTest {

  @TempDir Path dir;

  @Test
  void read_namedColumnsInAnyOrder_quotedFields_minRating() throws IOException {
    Path f = dir.resolve("log.csv");
    Files.writeString(f, String.join("\n",
        "note,score,product,customer,when",
        "\"a, quoted\",5,10,alice,100",
        "x,2,11,alice,101",
        "\"say \"\"hi\"\"\",4.5,12,bob,102",
        ""));
    Interactions log = InteractionsCsv.builder("customer", "product")
        .ratingColumn("score").minRating(4).timeColumn("when").build().read(f);

    assertThat(log.size()).isEqualTo(2);
    assertThat(log.user(0)).isEqualTo("alice");
    assertThat(log.item(0)).isEqualTo(10);
    assertThat(log.rating(1)).isEqualTo(4.5f);
    assertThat(log.time(1)).isEqualTo(102);
    assertThat(log.hasTimes()).isTrue();
  }

  @Test
  void read_withoutRatingOrTime_hasNeither() throws IOException {
    Path f = dir.resolve("log.csv");
    Files.writeString(f, "customer,product\nc1,1\nc2,2\n");
    Interactions log = InteractionsCsv.builder("customer", "product").build().read(f);
    assertThat(log.size()).isEqualTo(2);
    assertThat(log.hasRatings()).isFalse();
    assertThat(log.hasTimes()).isFalse();
    assertThat(log.rating(0)).isNaN();
  }

  @Test
  void missingColumn_namesTheColumnAndTheHeader() throws IOException {
    Path f = dir.resolve("log.csv");
    Files.writeString(f, "customer,product\nc1,1\n");
    assertThatThrownBy(() -> InteractionsCsv.builder("userId", "product").build().read(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user column 'userId' is not in the header")
        .hasMessageContaining("[customer, product]");
  }

  @Test
  void badValue_namesTheLineAndColumn() throws IOException {
    Path f = dir.resolve("log.csv");
    Files.writeString(f, "customer,product\nc1,1\nc2,apple\n");
    assertThatThrownBy(() -> InteractionsCsv.builder("customer", "product").build().read(f))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("line 3: product must be an integer, was 'apple'");
  }

  @Test
  void unknownFile_andMinRatingWithoutRatingColumn_areRefused() {
    assertThatThrownBy(() -> InteractionsCsv.builder("u", "i").build().read(dir.resolve("none.csv")))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> InteractionsCsv.builder("u", "i").minRating(4).build())
        .hasMessage("minRating 4.0 needs a rating column");
  }
}
