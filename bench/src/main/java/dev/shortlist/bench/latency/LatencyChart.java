package dev.shortlist.bench.latency;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;

/**
 * The chart {@code shortlist bench --plot} draws, with Java2D in headless mode: on the left the
 * latency distribution as a percentile curve (latency against percentile on the usual
 * HdrHistogram axis, {@code 1 / (1 − p)} on a log scale, so the tail gets the room), with the
 * budget as a horizontal line; on the right, one bar per stage with its mean and p99.
 */
final class LatencyChart {

  static final int WIDTH = 1200;
  static final int HEIGHT = 620;

  private static final Color CURVE = new Color(0x1f77b4);
  private static final Color BUDGET = new Color(0xd62728);
  private static final Color MEAN = new Color(0x1f77b4);
  private static final Color P99 = new Color(0xff7f0e);
  private static final Color GRID = new Color(0xdddddd);

  /** A stage's figures, in milliseconds. */
  record Stage(String name, double meanMs, double p99Ms) {}

  private LatencyChart() {}

  static void write(Path file, Histogram latency, double budgetMs, List<Stage> stages,
      String title, String subtitle) throws IOException {
    if (!ImageIO.write(draw(latency, budgetMs, stages, title, subtitle), "png", file.toFile())) {
      throw new IOException("no PNG writer in this JVM");
    }
  }

  static BufferedImage draw(Histogram latency, double budgetMs, List<Stage> stages, String title,
      String subtitle) {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
      g.drawString(title, 30, 32);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      g.setColor(Color.DARK_GRAY);
      g.drawString(subtitle, 30, 54);
      percentiles(g, latency, budgetMs, new Rectangle2D.Double(90, 90, 560, 450));
      stages(g, stages, new Rectangle2D.Double(830, 90, 330, 450));
    } finally {
      g.dispose();
    }
    return image;
  }

  /** x = log10(1 / (1 − p)): 0 at p0, 1 at p90, 2 at p99, 3 at p99.9, 4 at p99.99. */
  private static void percentiles(Graphics2D g, Histogram h, double budgetMs, Rectangle2D box) {
    double maxX = 4;
    double maxMs = Math.max(budgetMs * 1.1, h.getTotalCount() == 0 ? 1 : h.getMaxValue() / 1e6 * 1.1);
    if (h.getMaxValue() / 1e6 < budgetMs / 4) {
      maxMs = Math.max(h.getMaxValue() / 1e6 * 1.2, 0.1); // budget far above: zoom on the data
    }
    axes(g, box);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    String[] labels = {"p0", "p90", "p99", "p99.9", "p99.99"};
    for (int i = 0; i <= 4; i++) {
      double x = box.getX() + box.getWidth() * i / maxX;
      g.setColor(GRID);
      g.draw(new Line2D.Double(x, box.getY(), x, box.getMaxY()));
      g.setColor(Color.BLACK);
      g.drawString(labels[i], (float) x - 12, (float) box.getMaxY() + 18);
    }
    for (int i = 0; i <= 5; i++) {
      double ms = maxMs * i / 5;
      double y = box.getMaxY() - box.getHeight() * i / 5;
      g.setColor(GRID);
      g.draw(new Line2D.Double(box.getX(), y, box.getMaxX(), y));
      g.setColor(Color.BLACK);
      g.drawString(String.format(Locale.ROOT, "%.2f", ms), (float) box.getX() - 50, (float) y + 4);
    }
    g.drawString("percentile", (float) box.getCenterX() - 30, (float) box.getMaxY() + 38);
    g.drawString("latency (ms)", (float) box.getX() - 80, (float) box.getY() - 10);
    if (h.getTotalCount() > 0) {
      Path2D.Double curve = new Path2D.Double();
      for (int i = 0; i <= 400; i++) {
        double x = maxX * i / 400;
        double p = 100 * (1 - Math.pow(10, -x));
        double ms = h.getValueAtPercentile(p) / 1e6;
        double px = box.getX() + box.getWidth() * x / maxX;
        double py = box.getMaxY() - box.getHeight() * Math.min(ms, maxMs) / maxMs;
        if (i == 0) {
          curve.moveTo(px, py);
        } else {
          curve.lineTo(px, py);
        }
      }
      g.setColor(CURVE);
      g.setStroke(new BasicStroke(2.2f));
      g.draw(curve);
    }
    if (budgetMs <= maxMs) {
      double y = box.getMaxY() - box.getHeight() * budgetMs / maxMs;
      g.setColor(BUDGET);
      g.setStroke(new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
          new float[] {8, 6}, 0));
      g.draw(new Line2D.Double(box.getX(), y, box.getMaxX(), y));
      g.drawString(String.format(Locale.ROOT, "budget %.0f ms", budgetMs),
          (float) box.getX() + 8, (float) y - 6);
    }
    g.setStroke(new BasicStroke(1f));
  }

  private static void stages(Graphics2D g, List<Stage> stages, Rectangle2D box) {
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    g.drawString("per stage (ms): mean and p99", (float) box.getX() - 120, (float) box.getY() - 10);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    double max = 1e-3;
    for (Stage s : stages) {
      max = Math.max(max, s.p99Ms());
    }
    int n = Math.max(1, stages.size());
    double row = Math.min(48, box.getHeight() / n);
    double span = box.getWidth() - 110; // room for the figures after the longest bar
    for (int i = 0; i < stages.size(); i++) {
      Stage s = stages.get(i);
      double y = box.getY() + i * row;
      g.setColor(Color.BLACK);
      g.drawString(s.name(), (float) box.getX() - 120, (float) (y + row * 0.45));
      double w99 = span * s.p99Ms() / max;
      double wMean = span * s.meanMs() / max;
      g.setColor(P99);
      g.fill(new Rectangle2D.Double(box.getX(), y + row * 0.1, w99, row * 0.35));
      g.setColor(MEAN);
      g.fill(new Rectangle2D.Double(box.getX(), y + row * 0.5, wMean, row * 0.35));
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.3f / %.3f", s.meanMs(), s.p99Ms()),
          (float) (box.getX() + Math.max(w99, wMean) + 4), (float) (y + row * 0.5));
    }
    double ly = box.getY() + n * row + 20;
    g.setColor(MEAN);
    g.fillRect((int) box.getX(), (int) ly, 12, 12);
    g.setColor(Color.BLACK);
    g.drawString("mean", (float) box.getX() + 16, (float) ly + 11);
    g.setColor(P99);
    g.fillRect((int) box.getX() + 70, (int) ly, 12, 12);
    g.setColor(Color.BLACK);
    g.drawString("p99", (float) box.getX() + 86, (float) ly + 11);
  }

  private static void axes(Graphics2D g, Rectangle2D box) {
    g.setColor(Color.BLACK);
    g.draw(new Line2D.Double(box.getX(), box.getMaxY(), box.getMaxX(), box.getMaxY()));
    g.draw(new Line2D.Double(box.getX(), box.getY(), box.getX(), box.getMaxY()));
  }
}
