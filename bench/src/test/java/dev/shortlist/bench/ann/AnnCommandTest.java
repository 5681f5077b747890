package dev.shortlist.bench.ann;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shortlist.bench.cli.ShortlistCli;
import dev.shortlist.retrieval.FloatMatrix;
import dev.shortlist.retrieval.IntMatrix;
import dev.shortlist.retrieval.VectorFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AnnCommandTest {

  private record Run(int exit, String out, String err) {}

  @TempDir static Path data;

  @TempDir Path dir;

  private static Path base;
  private static Path queries;
  private static Path truth;

  @BeforeAll
  static void generateTheBenchmarkSet() {
    Run r =
        run("vectors", "--n", "2000", "--dim", "16", "--clusters", "20", "--queries", "100",
            "--truth-k", "20", "--metric", "cosine", "--seed", "7", "--out", data.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    base = data.resolve("base.fvecs");
    queries = data.resolve("queries.fvecs");
    truth = data.resolve("truth.ivecs");
  }

  private static Run run(String... args) {
    CommandLine cli = new CommandLine(new ShortlistCli()).setCaseInsensitiveEnumValuesAllowed(true);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static String[] args(String... extra) {
    List<String> a = new ArrayList<>(List.of("ann", "--base", base.toString(), "--queries",
        queries.toString(), "--metric", "cosine", "--warmup", "20"));
    a.addAll(Arrays.asList(extra));
    return a.toArray(String[]::new);
  }

  // --- end to end ------------------------------------------------------------------------------

  @Test
  void ann_exact_hasRecallOne_andPrintsTableJsonAndChart() throws IOException {
    Path json = dir.resolve("out/results.json");
    Path png = dir.resolve("out/chart.png");
    Run r =
        run(args("--truth", truth.toString(), "--k", "10", "--k", "20", "--index", "exact",
            "--json", json.toString(), "--plot", png.toString()));

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("shortlist ann: 2,000 base vectors × 16 (cosine), 100 queries, k = 10, 20")
        .containsPattern("\\nindex +k +search +recall +p50 ms +p99 ms +QPS +build s +build items/s +memory\\n")
        .containsPattern("\\nexact  10  -       1\\.0000 ")
        .containsPattern("\\nexact  20  -       1\\.0000 ");

    String text = Files.readString(json);
    List<String> objects = objects(text);
    assertThat(objects).hasSize(2);
    for (String o : objects) {
      assertThat(o)
          .contains("\"index\": \"exact\"", "\"ef\": null", "\"nprobe\": null", "\"recall\": 1.0",
              "\"p50_ms\": ", "\"p99_ms\": ", "\"qps\": ", "\"build_s\": ", "\"build_items_per_s\": ",
              "\"memory_bytes\": 176000", "\"metric\": \"cosine\"", "\"queries\": 100");
      assertThat(number(o, "qps")).isPositive();
      assertThat(number(o, "p99_ms")).isGreaterThanOrEqualTo(number(o, "p50_ms"));
    }
    assertThat(objects.get(0)).contains("\"k\": 10");
    assertThat(objects.get(1)).contains("\"k\": 20");

    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).isNotNull();
    assertThat(image.getWidth()).isEqualTo(RecallQpsChart.WIDTH);
    assertThat(image.getHeight()).isEqualTo(RecallQpsChart.HEIGHT);
  }

  @Test
  void ann_luceneHnsw_sweepsEf_withRecallOfAtLeast0_9_againstComputedTruth() throws IOException {
    Path json = dir.resolve("hnsw.json");
    Run r = run(args("--k", "10", "--index", "lucene-hnsw", "--ef", "40,100", "--json", json.toString()));

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("truth    exact top-10 computed")
        .contains("lucene-hnsw: 2,000 vectors built in")
        .contains("1 segment")
        .containsPattern("\\nlucene-hnsw  10  ef=40 ")
        .containsPattern("\\nlucene-hnsw  10  ef=100 ");
    List<String> objects = objects(Files.readString(json));
    assertThat(objects).hasSize(2);
    assertThat(objects.get(0)).contains("\"ef\": 40", "\"nprobe\": null");
    assertThat(objects.get(1)).contains("\"ef\": 100");
    for (String o : objects) {
      assertThat(number(o, "recall")).as(o).isGreaterThanOrEqualTo(0.9).isLessThanOrEqualTo(1.0);
      assertThat(number(o, "memory_bytes")).isPositive();
    }
  }

  @Test
  void ann_liveHnsw_sweepsEf_andItsSavedIndexLoadsBackWithTheSameRecall() throws IOException {
    Path json = dir.resolve("live.json");
    Path saved = dir.resolve("live.idx");
    Run built = run(args("--k", "10", "--index", "live-hnsw", "--ef", "40,100", "--json",
        json.toString(), "--save-index", saved.toString()));

    assertThat(built.exit()).as(built.err()).isZero();
    assertThat(built.out())
        .contains("live-hnsw: 2,000 vectors built in")
        .containsPattern("\\nlive-hnsw  10  ef=40 ")
        .containsPattern("\\nlive-hnsw  10  ef=100 ");
    List<String> objects = objects(Files.readString(json));
    assertThat(objects).hasSize(2);
    for (String o : objects) {
      assertThat(number(o, "recall")).as(o).isGreaterThanOrEqualTo(0.9).isLessThanOrEqualTo(1.0);
      assertThat(number(o, "memory_bytes")).isPositive();
    }
    assertThat(saved).isRegularFile();

    Run loaded = run(args("--k", "10", "--index", "live-hnsw", "--ef", "40,100", "--load-index",
        saved.toString()));
    assertThat(loaded.exit()).as(loaded.err()).isZero();
    assertThat(recallOf(loaded.out(), "live-hnsw")).isEqualTo(recallOf(built.out(), "live-hnsw"));
  }

  @Test
  void ann_efBelowK_searchesK_andRepeatsNoSetting() {
    Run r = run(args("--k", "20", "--index", "lucene-hnsw", "--ef", "5,10,30"));

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("\\nlucene-hnsw  20  ef=20 ").containsPattern("\\nlucene-hnsw  20  ef=30 ");
    assertThat(r.out()).doesNotContain("ef=5 ").doesNotContain("ef=10 ");
  }

  @Test
  void ann_savedIndex_loadsBack_withTheSameRecall() {
    Path saved = dir.resolve("index");
    Run built = run(args("--truth", truth.toString(), "--index", "lucene-hnsw-int8", "--ef", "50",
        "--save-index", saved.toString()));
    assertThat(built.exit()).as(built.err()).isZero();
    assertThat(built.out()).contains("saved to " + saved);

    Run loaded = run(args("--truth", truth.toString(), "--index", "lucene-hnsw-int8", "--ef", "50",
        "--load-index", saved.toString()));
    assertThat(loaded.exit()).as(loaded.err()).isZero();
    assertThat(loaded.out()).contains("index    lucene-hnsw-int8 opened from " + saved).contains("loaded");
    assertThat(recallOf(loaded.out(), "lucene-hnsw-int8")).isEqualTo(recallOf(built.out(), "lucene-hnsw-int8"));

    Run wrongKind = run(args("--index", "lucene-hnsw", "--load-index", saved.toString()));
    assertThat(wrongKind.exit()).isEqualTo(1);
    assertThat(wrongKind.err()).contains("quantization INT8, not NONE");

    Run wrongMetric = run("ann", "--base", base.toString(), "--queries", queries.toString(),
        "--metric", "dot", "--index", "lucene-hnsw-int8", "--load-index", saved.toString());
    assertRefused(wrongMetric, "--load-index " + saved + " was built for metric cosine, not --metric dot");
    assertThat(wrongMetric.out()).doesNotContain("truth    exact");
  }

  @Test
  void ann_faiss_sweepsNprobe_savesFaissFiles_andLoadsThemBack() {
    org.junit.jupiter.api.Assumptions.assumeTrue(dev.shortlist.retrieval.FaissIndex.isAvailable(),
        () -> "FAISS test skipped: " + dev.shortlist.retrieval.FaissIndex.unavailableReason());
    Path saved = dir.resolve("ivf.faiss");
    Run built = run(args("--truth", truth.toString(), "--index", "faiss:IVF16,Flat", "--nprobe",
        "1,16", "--save-index", saved.toString()));
    assertThat(built.exit()).as(built.err()).isZero();
    assertThat(built.out()).contains("saved to " + saved).contains("nprobe=1").contains("nprobe=16");
    assertThat(faissRecall(built.out(), "nprobe=16")).as("recall at nprobe 16 (every list)")
        .isEqualTo(1.0);

    Run loaded = run(args("--truth", truth.toString(), "--index", "faiss:IVF16,Flat", "--nprobe",
        "16", "--load-index", saved.toString()));
    assertThat(loaded.exit()).as(loaded.err()).isZero();
    assertThat(loaded.out()).contains("index    faiss:IVF16,Flat opened from " + saved);
    assertThat(faissRecall(loaded.out(), "nprobe=16")).isEqualTo(1.0);

    Run hnsw = run(args("--truth", truth.toString(), "--index", "faiss:HNSW16", "--ef", "64"));
    assertThat(hnsw.exit()).as(hnsw.err()).isZero();
    assertThat(faissRecall(hnsw.out(), "ef=64")).isGreaterThanOrEqualTo(0.9);

    Run corrupt = run(args("--index", "faiss:HNSW16", "--load-index", base.toString()));
    assertThat(corrupt.exit()).isEqualTo(1);
    assertThat(corrupt.err()).contains("opening faiss:HNSW16 failed").contains("not a FAISS index file");
  }

  @Test
  void ann_withSeveralThreads_splitsTheQueries() {
    Run r = run(args("--truth", truth.toString(), "--index", "exact", "--threads", "3"));

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("3 query threads").containsPattern("\\nexact  10  -       1\\.0000 ");
  }

  @Test
  void ann_readsNpyFilesToo() throws IOException {
    Path npyBase = dir.resolve("base.npy");
    Path npyQueries = dir.resolve("queries.npy");
    Path npyTruth = dir.resolve("truth.npy");
    VectorFiles.write(npyBase, VectorFiles.readFloats(base));
    VectorFiles.write(npyQueries, VectorFiles.readFloats(queries));
    VectorFiles.write(npyTruth, VectorFiles.readInts(truth));

    Run r = run("ann", "--base", npyBase.toString(), "--queries", npyQueries.toString(), "--truth",
        npyTruth.toString(), "--metric", "cosine", "--index", "exact", "--warmup", "0");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).containsPattern("\\nexact  10  -       1\\.0000 ");
  }

  // --- validation -----------------------------------------------------------------------------

  @Test
  void ann_refusesBadOptions_namingTheOptionAndTheValue() throws IOException {
    assertRefused(run(args("--index", "exact", "--k", "0")), "--k must be positive, was 0");
    assertRefused(run(args("--index", "exact", "--k", "ten")), "--k", "ten");
    assertRefused(run(args("--index", "exact", "--k", "2001")), "--k 2001 is more than the 2000 vectors in --base");
    assertRefused(run("ann", "--base", base.toString(), "--queries", queries.toString(), "--metric",
        "hamming", "--index", "exact"), "--metric", "'hamming'");
    assertRefused(run(args("--index", "annoy")), "--index", "unknown index kind 'annoy'",
        "exact, lucene-hnsw, lucene-hnsw-int8, lucene-hnsw-int4, lucene-hnsw-bin, live-hnsw, faiss:<factory>");
    assertRefused(run(args("--index", "faiss:")), "--index", "'faiss:' needs a factory string");
    assertRefused(run(args("--index", "exact", "--index", "exact")), "--index exact is given twice");
    assertRefused(run(args("--index", "exact", "--ef", "40,100")),
        "--ef 40,100: none of --index exact takes an ef");
    assertRefused(run(args("--index", "lucene-hnsw", "--nprobe", "8")),
        "--nprobe 8: none of --index lucene-hnsw takes an nprobe");
    assertRefused(run(args("--index", "lucene-hnsw", "--ef", "0")), "--ef values must be positive, was 0");
    assertRefused(run(args("--index", "exact", "--M", "32")), "--M 32 applies to HNSW indexes");
    assertRefused(run(args("--index", "lucene-hnsw", "--M", "1")), "--M must be in [2, 512] for lucene-hnsw, was 1");
    assertRefused(run(args("--index", "exact", "--threads", "0")), "--threads must be in [1, 1024], was 0");
    assertRefused(run("ann", "--base", base.toString(), "--queries", queries.toString(), "--metric",
        "cosine", "--index", "exact", "--warmup", "-1"), "--warmup must not be negative, was -1");
    assertRefused(run(args("--index", "exact", "--load-index", dir.toString())),
        "--load-index: index kind 'exact' cannot be saved or loaded");
    assertRefused(run(args("--index", "exact", "--index", "lucene-hnsw", "--load-index", dir.toString())),
        "--load-index " + dir + " needs exactly one --index, got 2");
    assertRefused(run(args("--index", "exact", "--save-index", dir.resolve("x").toString())),
        "--save-index: index kind 'exact' cannot be saved");
    assertRefused(run(args()), "Missing required option: '--index=KIND'");
  }

  @Test
  void ann_refusesFilesThatDoNotFit() throws IOException {
    Path otherDim = dir.resolve("q8.fvecs");
    VectorFiles.write(otherDim, FloatMatrix.of(new float[8 * 5], 8));
    assertRefused(run("ann", "--base", base.toString(), "--queries", otherDim.toString(), "--metric",
        "cosine", "--index", "exact"),
        "dimension mismatch: --queries " + otherDim + " has dimension 8, --base " + base + " has 16");

    Path shortTruth = dir.resolve("t.ivecs");
    VectorFiles.write(shortTruth, IntMatrix.of(new int[99 * 20], 20));
    assertRefused(run(args("--index", "exact", "--truth", shortTruth.toString())),
        "--truth " + shortTruth + " has 99 rows, but --queries " + queries + " has 100 queries");
    assertRefused(run(args("--index", "exact", "--truth", truth.toString(), "--k", "50")),
        "--truth " + truth + " has 20 neighbours per query, fewer than --k 50");

    Path badIds = dir.resolve("bad.ivecs");
    int[] ids = new int[100 * 20];
    ids[3 * 20 + 1] = 2000;
    VectorFiles.write(badIds, IntMatrix.of(ids, 20));
    assertRefused(run(args("--index", "exact", "--truth", badIds.toString())),
        "row 3 holds id 2000, not a row of --base");

    assertRefused(run(args("--index", "exact", "--truth", dir.resolve("missing.ivecs").toString())),
        "--truth: no such file: ");
    Path cut = dir.resolve("cut.fvecs");
    Files.write(cut, Arrays.copyOf(Files.readAllBytes(queries), 100));
    assertRefused(run("ann", "--base", base.toString(), "--queries", cut.toString(), "--metric",
        "cosine", "--index", "exact"), "--queries: " + cut + ": truncated: row 1 has only 32 of its 68 bytes");
    assertRefused(run("ann", "--base", dir.resolve("base.csv").toString(), "--queries",
        queries.toString(), "--metric", "cosine", "--index", "exact"), "--base", "unsupported vector file extension");
  }

  // --- vectors --------------------------------------------------------------------------------

  @Test
  void vectors_writesBaseQueriesAndExactTruth_inNpyToo() throws IOException {
    Run r = run("vectors", "--n", "500", "--dim", "8", "--clusters", "5", "--queries", "30",
        "--truth-k", "7", "--metric", "l2", "--format", "npy", "--out", dir.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("Wrote 500 × 8 base vectors, 30 queries and their exact top-7 (l2)");

    FloatMatrix b = VectorFiles.readFloats(dir.resolve("base.npy"));
    FloatMatrix q = VectorFiles.readFloats(dir.resolve("queries.npy"));
    IntMatrix t = VectorFiles.readInts(dir.resolve("truth.npy"));
    assertThat(b.rows()).isEqualTo(500);
    assertThat(b.dimension()).isEqualTo(8);
    assertThat(q.rows()).isEqualTo(30);
    assertThat(t.rows()).isEqualTo(30);
    assertThat(t.dimension()).isEqualTo(7);
    // The truth is the exact L2 top-7, best first.
    for (int i = 0; i < q.rows(); i++) {
      float[] query = q.row(i);
      Integer[] order = new Integer[b.rows()];
      for (int j = 0; j < order.length; j++) {
        order[j] = j;
      }
      Arrays.sort(order, (x, y) -> Double.compare(l2(query, b.row(x)), l2(query, b.row(y))));
      for (int j = 0; j < 7; j++) {
        assertThat(t.get(i, j)).as("query %d rank %d", i, j).isEqualTo(order[j]);
      }
    }
  }

  @Test
  void vectors_isDeterministicForASeed() throws IOException {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    for (Path p : new Path[] {a, b}) {
      Run r = run("vectors", "--n", "300", "--dim", "4", "--clusters", "3", "--queries", "5",
          "--truth-k", "3", "--seed", "42", "--out", p.toString());
      assertThat(r.exit()).as(r.err()).isZero();
    }
    for (String f : new String[] {"base.fvecs", "queries.fvecs", "truth.ivecs"}) {
      assertThat(Files.readAllBytes(a.resolve(f))).as(f).isEqualTo(Files.readAllBytes(b.resolve(f)));
    }
  }

  @Test
  void vectors_refusesBadOptions() {
    assertRefused(run("vectors", "--n", "0", "--out", dir.toString()), "--n must be positive, was 0");
    assertRefused(run("vectors", "--n", "100", "--clusters", "101", "--out", dir.toString()),
        "--clusters must be in [1, --n = 100], was 101");
    assertRefused(run("vectors", "--n", "100", "--clusters", "10", "--truth-k", "101", "--out",
        dir.toString()), "--truth-k must be in [1, --n = 100], was 101");
    assertRefused(run("vectors", "--format", "csv", "--out", dir.toString()), "--format must be fvecs or npy, was 'csv'");
    assertRefused(run("vectors", "--metric", "manhattan", "--out", dir.toString()), "--metric", "'manhattan'");
  }

  // --- helpers --------------------------------------------------------------------------------

  private static void assertRefused(Run r, String... fragments) {
    assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.err()).contains(fragments);
  }

  private static List<String> objects(String json) {
    assertThat(json.strip()).startsWith("[").endsWith("]");
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\\{[^{}]*\\}").matcher(json);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static double number(String object, String key) {
    Matcher m = Pattern.compile("\"" + key + "\": (-?[0-9.eE+-]+)").matcher(object);
    assertThat(m.find()).as(key + " in " + object).isTrue();
    return Double.parseDouble(m.group(1));
  }

  /** The recall printed on the progress line of {@code setting}, e.g. {@code nprobe=16}. */
  private static double faissRecall(String out, String setting) {
    Matcher m = Pattern.compile(Pattern.quote(setting) + " +recall ([0-9.]+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static String recallOf(String out, String index) {
    Matcher m = Pattern.compile("\\n" + Pattern.quote(index) + " +\\d+ +\\S+ +([0-9.]+) ").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1);
  }

  private static double l2(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      s += d * d;
    }
    return s;
  }
}
