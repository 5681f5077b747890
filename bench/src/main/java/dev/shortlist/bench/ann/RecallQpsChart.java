package dev.shortlist.bench.ann;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The recall-versus-throughput chart ANN benchmarks draw: recall@k on the x axis, queries per
 * second on a logarithmic y axis, one curve per index kind and k through its search settings
 * (each point labelled with its ef or nprobe), so better is up and to the right. Drawn with
 * Java2D in headless mode; no windowing system needed.
 */
final class RecallQpsChart {

  static final int WIDTH = 1100;
  static final int HEIGHT = 680;

  private static final int LEFT = 90;
  private static final int RIGHT = WIDTH - 290;
  private static final int TOP = 78;
  private static final int BOTTOM = HEIGHT - 70;

  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf),
    new Color(0x7f7f7f), new Color(0xbcbd22)
  };

  private RecallQpsChart() {}

  /** Draws {@code results} and writes the chart to {@code file} as a PNG. */
  static void write(Path file, List<AnnResult> results, String title, String subtitle)
      throws IOException {
    BufferedImage image = draw(results, title, subtitle);
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer in this JVM");
    }
  }

  static BufferedImage draw(List<AnnResult> results, String title, String subtitle) {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      new Drawing(g, results).draw(title, subtitle);
    } finally {
      g.dispose();
    }
    return image;
  }

  /** One chart being drawn: the scales and the series. */
  private static final class Drawing {
    private final Graphics2D g;
    private final Map<String, List<AnnResult>> series = new LinkedHashMap<>();
    private final double xMin;
    private final double xMax;
    private final double xStep;
    private final double logLo;
    private final double logHi;
    private final Map<String, Integer> colorOf = new LinkedHashMap<>();
    private final List<Integer> ks;

    Drawing(Graphics2D g, List<AnnResult> results) {
      this.g = g;
      ks = results.stream().map(AnnResult::k).distinct().sorted().toList();
      boolean manyK = ks.size() > 1;
      for (AnnResult r : results) {
        colorOf.putIfAbsent(r.index(), colorOf.size());
        String label = r.index() + (manyK ? ", k=" + r.k() : "");
        series.computeIfAbsent(label, x -> new ArrayList<>()).add(r);
      }
      for (List<AnnResult> s : series.values()) {
        s.sort(Comparator.comparingInt(AnnResult::setting));
      }
      double minRecall = results.stream().mapToDouble(AnnResult::recall).min().orElse(1);
      double span = 1 - minRecall;
      xStep = span > 0.5 ? 0.1 : span > 0.2 ? 0.05 : span > 0.08 ? 0.02 : 0.01;
      double lo = Math.floor((minRecall - xStep * 0.3) / xStep) * xStep;
      xMin = Math.max(0, Math.min(lo, 1 - 4 * xStep));
      xMax = 1 + xStep * 0.3;
      double minQps = results.stream().mapToDouble(AnnResult::qps).min().orElse(1);
      double maxQps = results.stream().mapToDouble(AnnResult::qps).max().orElse(10);
      double lo10 = Math.log10(Math.max(minQps, 1e-3)) - 0.1;
      double hi10 = Math.log10(Math.max(maxQps, 1e-3)) + 0.1;
      double missing = 0.7 - (hi10 - lo10); // show at least 0.7 decades
      logLo = missing > 0 ? lo10 - missing / 2 : lo10;
      logHi = missing > 0 ? hi10 + missing / 2 : hi10;
    }

    double x(double recall) {
      return LEFT + (recall - xMin) / (xMax - xMin) * (RIGHT - LEFT);
    }

    double y(double qps) {
      double l = Math.log10(Math.max(qps, 1e-9));
      return BOTTOM - (l - logLo) / (logHi - logLo) * (BOTTOM - TOP);
    }

    void draw(String title, String subtitle) {
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
      g.drawString(title, LEFT, 34);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
      g.setColor(new Color(0x555555));
      g.drawString(subtitle, LEFT, 57);
      grid();
      axes();
      for (List<AnnResult> points : series.values()) {
        curve(points);
      }
      legend();
    }

    private void grid() {
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
      FontMetrics fm = g.getFontMetrics();
      Color major = new Color(0xd0d0d0);
      Color minor = new Color(0xeeeeee);
      // recall ticks
      for (int t = (int) Math.ceil(xMin / xStep - 1e-9); t * xStep <= 1 + 1e-9; t++) {
        double r = t * xStep;
        double px = x(r);
        g.setColor(major);
        g.setStroke(new BasicStroke(1));
        g.draw(new Line2D.Double(px, TOP, px, BOTTOM));
        g.setColor(Color.DARK_GRAY);
        String label = String.format(Locale.ROOT, xStep < 0.1 ? "%.2f" : "%.1f", r);
        g.drawString(label, (float) (px - fm.stringWidth(label) / 2.0), BOTTOM + 20);
      }
      // QPS ticks: 1, 2 and 5 times powers of ten; 2 and 5 labelled when few decades show
      boolean labelMinor = logHi - logLo <= 3;
      for (int d = (int) Math.floor(logLo); d <= (int) Math.ceil(logHi); d++) {
        for (int m : new int[] {1, 2, 5}) {
          double qps = m * Math.pow(10, d);
          double l = Math.log10(qps);
          if (l < logLo || l > logHi) {
            continue;
          }
          double py = y(qps);
          g.setColor(m == 1 ? major : minor);
          g.draw(new Line2D.Double(LEFT, py, RIGHT, py));
          if (m == 1 || labelMinor) {
            g.setColor(m == 1 ? Color.DARK_GRAY : Color.GRAY);
            String label = qpsLabel(qps);
            g.drawString(label, LEFT - 8 - fm.stringWidth(label), (float) (py + fm.getAscent() / 2.0 - 1));
          }
        }
      }
    }

    private void axes() {
      g.setColor(Color.BLACK);
      g.setStroke(new BasicStroke(1.2f));
      g.draw(new Rectangle2D.Double(LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP));
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
      FontMetrics fm = g.getFontMetrics();
      String xLabel = "Recall@k (share of the true k nearest neighbours found)";
      g.drawString(xLabel, (float) ((LEFT + RIGHT - fm.stringWidth(xLabel)) / 2.0), BOTTOM + 48);
      String yLabel = "Queries per second (log scale)";
      Graphics2D r = (Graphics2D) g.create();
      r.rotate(-Math.PI / 2);
      r.drawString(yLabel, (float) (-(TOP + BOTTOM + fm.stringWidth(yLabel)) / 2.0), 24f);
      r.dispose();
      g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 13));
      g.setColor(Color.GRAY);
      String better = "better \u2192 up and to the right";
      FontMetrics fb = g.getFontMetrics();
      g.drawString(better, RIGHT - 8 - fb.stringWidth(better), TOP + 18);
    }

    private Color color(AnnResult r) {
      return PALETTE[colorOf.get(r.index()) % PALETTE.length];
    }

    /** Solid for the smallest k, dashed for the next, dotted after. */
    private BasicStroke stroke(AnnResult r) {
      int style = Math.min(ks.indexOf(r.k()), 2);
      float[] dash = style == 0 ? null : style == 1 ? new float[] {9, 5} : new float[] {2, 4};
      return new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10, dash, 0);
    }

    private void curve(List<AnnResult> points) {
      Color color = color(points.get(0));
      int index = colorOf.get(points.get(0).index());
      Path2D.Double line = new Path2D.Double();
      for (int i = 0; i < points.size(); i++) {
        AnnResult p = points.get(i);
        if (i == 0) {
          line.moveTo(x(p.recall()), y(p.qps()));
        } else {
          line.lineTo(x(p.recall()), y(p.qps()));
        }
      }
      g.setColor(color);
      g.setStroke(stroke(points.get(0)));
      g.draw(line);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      for (AnnResult p : points) {
        double px = x(p.recall());
        double py = y(p.qps());
        marker(px, py, index, color);
        if (p.parameter().key() != null) {
          g.setColor(color.darker());
          g.drawString(Integer.toString(p.setting()), (float) px + 6, (float) py - 6);
        }
      }
    }

    private void marker(double px, double py, int index, Color color) {
      double s = 5;
      Shape shape =
          switch (index % 4) {
            case 0 -> new Ellipse2D.Double(px - s, py - s, 2 * s, 2 * s);
            case 1 -> new Rectangle2D.Double(px - s + 0.5, py - s + 0.5, 2 * s - 1, 2 * s - 1);
            case 2 -> polygon(px, py, s * 1.25, 3, -Math.PI / 2);
            default -> polygon(px, py, s * 1.3, 4, 0);
          };
      g.setColor(color);
      g.fill(shape);
      g.setColor(Color.WHITE);
      g.setStroke(new BasicStroke(1));
      g.draw(shape);
    }

    private static Shape polygon(double cx, double cy, double r, int sides, double start) {
      Path2D.Double p = new Path2D.Double();
      for (int i = 0; i < sides; i++) {
        double a = start + i * 2 * Math.PI / sides;
        double px = cx + r * Math.cos(a);
        double py = cy + r * Math.sin(a);
        if (i == 0) {
          p.moveTo(px, py);
        } else {
          p.lineTo(px, py);
        }
      }
      p.closePath();
      return p;
    }

    private void legend() {
      int x0 = RIGHT + 22;
      int y0 = TOP + 4;
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.setColor(Color.BLACK);
      g.drawString("index", x0, y0 + 10);
      int y = y0 + 36;
      Font name = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
      Font note = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
      for (Map.Entry<String, List<AnnResult>> e : series.entrySet()) {
        AnnResult head = e.getValue().get(0);
        Color c = color(head);
        g.setColor(c);
        g.setStroke(stroke(head));
        g.draw(new Line2D.Double(x0, y - 5, x0 + 30, y - 5));
        marker(x0 + 15, y - 5, colorOf.get(head.index()), c);
        g.setColor(Color.BLACK);
        g.setFont(name);
        g.drawString(e.getKey(), x0 + 40, y);
        AnnResult first = e.getValue().get(0);
        g.setFont(note);
        g.setColor(Color.GRAY);
        String build =
            Double.isNaN(first.buildSeconds())
                ? "loaded"
                : String.format(Locale.ROOT, "build %.1f s", first.buildSeconds());
        String param = first.parameter().key() == null ? "" : ", labels: " + first.parameter().key();
        g.drawString(build + ", " + AnnResult.bytes(first.memoryBytes()) + param, x0 + 40, y + 16);
        y += 44;
      }
    }
  }

  /** 1, 20, 500, 1k, 20k, 1M ... */
  static String qpsLabel(double qps) {
    if (qps >= 1e6) {
      return trim(qps / 1e6) + "M";
    }
    if (qps >= 1e3) {
      return trim(qps / 1e3) + "k";
    }
    return trim(qps);
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2g", v);
  }
}
