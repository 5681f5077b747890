package dev.shortlist.bench.ann;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecallQpsChartTest {

  private static AnnResult result(String index, int k, int ef, double recall, double qps) {
    IndexKind.SearchParameter p = ef == 0 ? IndexKind.SearchParameter.NONE : IndexKind.SearchParameter.EF;
    return new AnnResult(index, k, p, ef, recall, 1, 2, qps, 3.5, 1000, 1_000_000);
  }

  @Test
  void draw_singleExactPoint_givesAChartOfTheDocumentedSize() {
    BufferedImage image = RecallQpsChart.draw(List.of(result("exact", 10, 0, 1.0, 300)), "t", "s");
    assertThat(image.getWidth()).isEqualTo(RecallQpsChart.WIDTH);
    assertThat(image.getHeight()).isEqualTo(RecallQpsChart.HEIGHT);
  }

  @Test
  void draw_curvesOverManyDecadesAndLowRecall_drawSomethingInThePlotArea() {
    List<AnnResult> results =
        List.of(
            result("lucene-hnsw", 10, 10, 0.05, 1_000_000),
            result("lucene-hnsw", 10, 800, 0.99, 20),
            result("lucene-hnsw", 100, 100, 0.9, 500),
            result("exact", 10, 0, 1.0, 3),
            result("loaded", 10, 40, 0.97, 2_000));
    BufferedImage image = RecallQpsChart.draw(results, "title", "subtitle");
    int coloured = 0;
    for (int x = 100; x < 800; x += 3) {
      for (int y = 90; y < 600; y += 3) {
        int rgb = image.getRGB(x, y) & 0xFFFFFF;
        int r = rgb >> 16;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) {
          coloured++;
        }
      }
    }
    assertThat(coloured).as("pixels of the curves").isGreaterThan(100);
  }

  @Test
  void qpsLabels_useKAndMSuffixes() {
    assertThat(RecallQpsChart.qpsLabel(500)).isEqualTo("500");
    assertThat(RecallQpsChart.qpsLabel(2_000)).isEqualTo("2k");
    assertThat(RecallQpsChart.qpsLabel(50_000)).isEqualTo("50k");
    assertThat(RecallQpsChart.qpsLabel(1_000_000)).isEqualTo("1M");
    assertThat(RecallQpsChart.qpsLabel(0.5)).isEqualTo("0.50");
  }
}
