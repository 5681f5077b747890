package dev.shortlist.bench.ann;

import dev.shortlist.bench.cli.Progress;
import dev.shortlist.retrieval.ExactIndex;
import dev.shortlist.retrieval.IntMatrix;
import dev.shortlist.retrieval.Metric;
import dev.shortlist.retrieval.VectorFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shortlist ann}: measures recall@k, latency, throughput, build time and memory of vector
 * indexes on a base set and queries read from {@code .fvecs}/{@code .npy} files, against given
 * or exactly computed ground truth; prints a table and optionally writes JSON and a recall-QPS
 * chart.
 */
@Command(
    name = "ann",
    header = "Benchmarks ANN indexes: recall@k, latency, QPS, build time, memory; JSON, chart.",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Benchmarks nearest-neighbour indexes: builds each --index over the --base vectors, runs"
          + " every query after a warm-up for each k and search setting (ef for HNSW, nprobe for"
          + " IVF), and prints recall@k, p50/p99 latency, QPS, build time and index memory."
          + " Recall is measured against --truth, or against exact search over the base when"
          + " absent.",
      "",
      "Files: .fvecs (float32), .ivecs (int32) or .npy (<f4 or <i4, 2-D, C order). Make a"
          + " benchmark set with: shortlist vectors --out DIR",
      ""
    })
public final class AnnCommand implements Callable<Integer> {

  static final List<Integer> DEFAULT_EF = List.of(10, 20, 40, 80, 120, 200, 400, 800);
  static final List<Integer> DEFAULT_NPROBE = List.of(1, 2, 4, 8, 16, 32, 64, 128);
  private static final int DEFAULT_WARMUP = 200;

  private CommandLine.Model.CommandSpec spec;

  /** Receives the command's model from picocli; adds the list of index kinds to the help. */
  @CommandLine.Spec
  void spec(CommandLine.Model.CommandSpec spec) {
    this.spec = spec;
    List<String> footer = new ArrayList<>();
    footer.add("");
    footer.add("Index kinds (--index):");
    for (IndexKind kind : IndexKinds.ALL) {
      footer.add(String.format(Locale.ROOT, "  %-18s %s", kind.pattern(), kind.description()));
    }
    footer.add("Lucene indexes are built in bulk on one thread and merged into one segment; the");
    footer.add("merge counts as build time. Memory is the index's own estimate (for Lucene: its");
    footer.add("files, which for quantized kinds include the float vectors kept for rescoring).");
    spec.usageMessage().footer(footer.toArray(String[]::new));
  }

  @Option(names = "--base", required = true, paramLabel = "FILE",
      description = "Base vectors to index (.fvecs or .npy).")
  Path base;

  @Option(names = "--queries", required = true, paramLabel = "FILE",
      description = "Query vectors (.fvecs or .npy), same dimension as the base.")
  Path queries;

  @Option(names = "--truth", paramLabel = "FILE",
      description = "True neighbours (.ivecs or .npy <i4): per query, base row numbers, best"
          + " first, at least max(k) of them. Default: computed exactly over the base.")
  Path truth;

  @Option(names = "--metric", required = true, paramLabel = "METRIC",
      description = "cosine, dot or l2.")
  String metricName;

  @Option(names = "--k", split = ",", paramLabel = "K",
      description = "Neighbours per query; repeat or comma-separate for several (default: 10).")
  List<Integer> ks;

  @Option(names = "--index", required = true, paramLabel = "KIND",
      description = "Index kind to benchmark; repeat for several (see the list below).")
  List<String> indexes;

  @Option(names = {"--M", "--max-connections"}, paramLabel = "M",
      description = "HNSW neighbours per node (default: 16).")
  Integer maxConnections;

  @Option(names = {"--beam", "--beam-width"}, paramLabel = "N",
      description = "HNSW candidate list while building, efConstruction (default: 100).")
  Integer beamWidth;

  @Option(names = "--ef", split = ",", paramLabel = "EF",
      description = "HNSW candidate list sizes to sweep (default: 10,20,40,80,120,200,400,800);"
          + " values below k search k.")
  List<Integer> ef;

  @Option(names = "--nprobe", split = ",", paramLabel = "N",
      description = "IVF lists probed, to sweep (default: 1,2,4,8,16,32,64,128).")
  List<Integer> nprobe;

  @Option(names = "--threads", paramLabel = "N",
      description = "Query threads; QPS = queries / wall time (default: ${DEFAULT-VALUE}).")
  int threads = 1;

  @Option(names = "--warmup", paramLabel = "N",
      description = "Queries run before each measurement (default: min(200, queries)).")
  Integer warmup;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
  Path json;

  @Option(names = "--plot", paramLabel = "FILE",
      description = "Also draw recall against QPS, one curve per index and k, as a PNG.")
  Path plot;

  @Option(names = "--save-index", paramLabel = "DIR",
      description = "Save the built index to DIR (kinds that can be saved; with several --index,"
          + " each to DIR/KIND). FAISS indexes are one file in FAISS's format: DIR names it, or"
          + " DIR/index.faiss when DIR is a directory.")
  Path saveIndex;

  @Option(names = "--load-index", paramLabel = "DIR",
      description = "Open the index saved in DIR instead of building it (one --index); with"
          + " faiss:<factory>, any FAISS index file, e.g. one written by Python's faiss.write_index.")
  Path loadIndex;

  /** The validated plan of a run. */
  private record Kind(String spec, IndexKind kind) {}

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Metric metric = parseMetric();
    List<Integer> kList = checkKs();
    List<Kind> kinds = checkKinds();
    checkOptions(kinds);
    IndexKind.Sweep sweep =
        new IndexKind.Sweep(ef == null ? DEFAULT_EF : ef, nprobe == null ? DEFAULT_NPROBE : nprobe);
    int maxK = kList.get(kList.size() - 1);
    IndexKind.BuildOptions options =
        new IndexKind.BuildOptions(
            maxConnections == null ? 16 : maxConnections, beamWidth == null ? 100 : beamWidth, maxK);

    VectorData baseData = load("--base", base, out);
    VectorData queryData = load("--queries", queries, out);
    if (baseData.rows() == 0) {
      throw fail("--base " + base + " holds no vectors");
    }
    if (queryData.rows() == 0) {
      throw fail("--queries " + queries + " holds no vectors");
    }
    if (queryData.dimension() != baseData.dimension()) {
      throw fail("dimension mismatch: --queries " + queries + " has dimension "
          + queryData.dimension() + ", --base " + base + " has " + baseData.dimension());
    }
    if (maxK > baseData.rows()) {
      throw fail("--k " + maxK + " is more than the " + baseData.rows() + " vectors in --base " + base);
    }
    for (Kind k : kinds) {
      try {
        k.kind().check(k.spec(), options, baseData.dimension());
      } catch (IllegalArgumentException e) {
        throw fail(e.getMessage());
      }
    }
    float[][] queryRows = queryData.rowArrays();
    int warmupQueries = warmup == null ? Math.min(DEFAULT_WARMUP, queryRows.length) : warmup;

    out.printf(Locale.ROOT, "shortlist ann: %,d base vectors × %d (%s), %,d queries, k = %s, %d query %s%n",
        baseData.rows(), baseData.dimension(), metric.name().toLowerCase(Locale.ROOT),
        queryData.rows(), kList.stream().map(String::valueOf).collect(Collectors.joining(", ")),
        threads, threads == 1 ? "thread" : "threads");
    out.printf(Locale.ROOT, "  base     %s%n  queries  %s%n", base, queries);
    out.printf(Locale.ROOT, "  JVM      Java %s, %d cores; exact search: %s%n",
        Runtime.version().feature(), Runtime.getRuntime().availableProcessors(),
        ExactIndex.vectorImplementation());

    BenchIndex loaded = null;
    if (loadIndex != null) { // before the ground truth, to refuse an index that does not fit at once
      Kind k = kinds.get(0);
      long start = System.nanoTime();
      try {
        loaded = k.kind().open(k.spec(), loadIndex, metric);
      } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
        return failed(err, "opening " + k.spec() + " failed: " + e.getMessage());
      }
      String problem = checkLoaded(loaded, baseData, metric);
      if (problem != null) {
        loaded.close();
        throw fail(problem);
      }
      out.printf(Locale.ROOT, "  index    %s opened from %s in %.1f s%n", k.spec(), loadIndex,
          (System.nanoTime() - start) / 1e9);
    }

    int[] truthIds;
    int truthColumns;
    if (truth != null) {
      IntMatrix t = loadTruth(queryData.rows(), maxK, baseData.rows());
      truthIds = t.toArray();
      truthColumns = t.dimension();
      out.printf(Locale.ROOT, "  truth    %s (%,d × %d)%n", truth, t.rows(), t.dimension());
    } else {
      int cores = Runtime.getRuntime().availableProcessors();
      long start = System.nanoTime();
      try {
        truthIds = GroundTruth.compute(baseData, metric, queryRows, maxK, cores, out);
      } catch (IllegalArgumentException e) {
        if (loaded != null) {
          loaded.close();
        }
        return failed(err, "computing the ground truth failed: " + e.getMessage());
      }
      truthColumns = maxK;
      out.printf(Locale.ROOT, "  truth    exact top-%d computed in %.1f s on %d threads%n",
          maxK, (System.nanoTime() - start) / 1e9, cores);
    }
    out.println();
    out.flush();

    List<AnnResult> results = new ArrayList<>();
    for (Kind k : kinds) {
      BenchIndex index;
      double buildSeconds = Double.NaN;
      long start = System.nanoTime();
      try {
        if (loaded != null) {
          index = loaded;
        } else {
          Progress p = new Progress("building " + k.spec(), baseData.rows(), out);
          index = k.kind().build(k.spec(), baseData, metric, options, p::update);
          buildSeconds = (System.nanoTime() - start) / 1e9;
          p.done();
        }
      } catch (UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
        return failed(err, "building " + k.spec() + " failed: " + e.getMessage());
      }
      try (index) {
        double itemsPerSecond = index.size() / buildSeconds;
        String details = index.details().isEmpty() ? "" : ", " + index.details();
        out.printf(Locale.ROOT, "%s: %,d vectors%s, memory %s%s%n", k.spec(), index.size(),
            Double.isNaN(buildSeconds) ? "" : String.format(Locale.ROOT,
                " built in %.1f s (%,.0f items/s)", buildSeconds, itemsPerSecond),
            AnnResult.bytes(index.memoryBytes()), details);
        try {
          save(k, kinds.size(), index, out);
        } catch (IOException | UncheckedIOException e) {
          return failed(err, "saving " + k.spec() + " failed: " + e.getMessage());
        }
        for (int kValue : kList) {
          for (int setting : k.kind().settings(k.spec(), kValue, sweep)) {
            QueryRun.Measurement m =
                QueryRun.run(index.searcher(kValue, setting), queryRows, truthIds, truthColumns,
                    kValue, warmupQueries, threads);
            AnnResult r =
                new AnnResult(k.spec(), kValue, k.kind().searchParameter(k.spec()), setting,
                    m.recall(), m.p50Ms(), m.p99Ms(), m.qps(), buildSeconds, itemsPerSecond,
                    index.memoryBytes());
            results.add(r);
            out.printf(Locale.ROOT, "  k=%-4d %-10s recall %.4f   p50 %.3f ms   p99 %.3f ms   %,.0f QPS%n",
                kValue, r.settingText(), r.recall(), r.p50Ms(), r.p99Ms(), r.qps());
            out.flush();
          }
        }
      }
      out.println();
    }

    out.printf(Locale.ROOT, "Results (%,d queries, %d query %s, %,d warm-up queries before each row)%n",
        queryData.rows(), threads, threads == 1 ? "thread" : "threads", warmupQueries);
    out.print(AnnResult.table(results));
    try {
      if (json != null) {
        writeJson(results, metric, queryData.rows());
        out.println("Wrote " + json);
      }
      if (plot != null) {
        createParent(plot);
        RecallQpsChart.write(plot, results, chartTitle(baseData, metric),
            chartSubtitle(queryData.rows(), truth != null));
        out.println("Wrote " + plot);
      }
    } catch (IOException e) {
      return failed(err, "writing output failed: " + e.getMessage());
    }
    out.flush();
    return 0;
  }

  // ---- validation --------------------------------------------------------------------------

  private Metric parseMetric() {
    try {
      return Metric.parse(metricName);
    } catch (IllegalArgumentException e) {
      throw fail("--metric: " + e.getMessage());
    }
  }

  private List<Integer> checkKs() {
    List<Integer> list = ks == null || ks.isEmpty() ? List.of(10) : ks;
    for (int k : list) {
      if (k <= 0) {
        throw fail("--k must be positive, was " + k);
      }
    }
    return list.stream().distinct().sorted().toList();
  }

  private List<Kind> checkKinds() {
    List<Kind> kinds = new ArrayList<>();
    for (String s : indexes) {
      if (kinds.stream().anyMatch(k -> k.spec().equals(s))) {
        throw fail("--index " + s + " is given twice");
      }
      IndexKind kind;
      try {
        kind = IndexKinds.find(s);
        kind.checkAvailable(s);
      } catch (IllegalArgumentException e) {
        throw fail("--index: " + e.getMessage());
      }
      kinds.add(new Kind(s, kind));
    }
    return kinds;
  }

  private void checkOptions(List<Kind> kinds) {
    String given = kinds.stream().map(Kind::spec).collect(Collectors.joining(", "));
    checkSweep("--ef", ef, IndexKind.SearchParameter.EF, kinds, given);
    checkSweep("--nprobe", nprobe, IndexKind.SearchParameter.NPROBE, kinds, given);
    boolean graph = kinds.stream().anyMatch(k -> k.kind().usesGraphOptions(k.spec()));
    if (maxConnections != null && !graph) {
      throw fail("--M " + maxConnections + " applies to HNSW indexes; none of --index " + given + " is one");
    }
    if (beamWidth != null && !graph) {
      throw fail("--beam " + beamWidth + " applies to HNSW indexes; none of --index " + given + " is one");
    }
    if (threads < 1 || threads > 1024) {
      throw fail("--threads must be in [1, 1024], was " + threads);
    }
    if (warmup != null && warmup < 0) {
      throw fail("--warmup must not be negative, was " + warmup);
    }
    if (saveIndex != null && loadIndex != null) {
      throw fail("--save-index and --load-index cannot be used together");
    }
    if (loadIndex != null) {
      if (kinds.size() != 1) {
        throw fail("--load-index " + loadIndex + " needs exactly one --index, got " + kinds.size() + " (" + given + ")");
      }
      if (!kinds.get(0).kind().canSave()) {
        throw fail("--load-index: index kind '" + given + "' cannot be saved or loaded");
      }
      if (!Files.exists(loadIndex)) {
        throw fail("--load-index: no such file or directory: " + loadIndex);
      }
    }
    if (saveIndex != null) {
      if (kinds.stream().noneMatch(k -> k.kind().canSave())) {
        throw fail("--save-index: index kind" + (kinds.size() == 1 ? " '" : "s '") + given + "' cannot be saved");
      }
      if (Files.exists(saveIndex) && !isEmptyDirectory(saveIndex)) {
        throw fail("--save-index " + saveIndex + " exists and is not an empty directory");
      }
    }
  }

  private void checkSweep(
      String option, List<Integer> values, IndexKind.SearchParameter parameter, List<Kind> kinds,
      String given) {
    if (values == null) {
      return;
    }
    String text = values.stream().map(String::valueOf).collect(Collectors.joining(","));
    for (int v : values) {
      if (v <= 0) {
        throw fail(option + " values must be positive, was " + v + " in " + text);
      }
    }
    if (kinds.stream().noneMatch(k -> k.kind().searchParameter(k.spec()) == parameter)) {
      throw fail(option + " " + text + ": none of --index " + given + " takes an "
          + parameter.key() + " (" + (parameter == IndexKind.SearchParameter.EF
              ? "HNSW indexes do" : "IVF indexes do") + ")");
    }
  }

  private VectorData load(String option, Path file, PrintWriter out) {
    try {
      return VectorData.load(file, out);
    } catch (NoSuchFileException e) {
      throw fail(option + ": no such file: " + file);
    } catch (IOException | IllegalArgumentException e) {
      throw fail(option + ": " + e.getMessage());
    }
  }

  private IntMatrix loadTruth(int queryRows, int maxK, int baseRows) {
    IntMatrix t;
    try {
      t = VectorFiles.readInts(truth);
    } catch (NoSuchFileException e) {
      throw fail("--truth: no such file: " + truth);
    } catch (IOException | IllegalArgumentException e) {
      throw fail("--truth: " + e.getMessage());
    }
    if (t.rows() != queryRows) {
      throw fail("--truth " + truth + " has " + t.rows() + " rows, but --queries " + queries
          + " has " + queryRows + " queries");
    }
    if (t.dimension() < maxK) {
      throw fail("--truth " + truth + " has " + t.dimension() + " neighbours per query, fewer than --k "
          + maxK);
    }
    for (int q = 0; q < t.rows(); q++) {
      for (int j = 0; j < maxK; j++) {
        int id = t.get(q, j);
        if (id < 0 || id >= baseRows) {
          throw fail("--truth " + truth + " row " + q + " holds id " + id + ", not a row of --base "
              + base + " (0 to " + (baseRows - 1) + ")");
        }
      }
    }
    return t;
  }

  /** Why a loaded index does not fit the data, or null. */
  private String checkLoaded(BenchIndex index, VectorData baseData, Metric metric) {
    if (loadIndex == null) {
      return null;
    }
    if (index.dimension() != baseData.dimension()) {
      return "--load-index " + loadIndex + " holds vectors of dimension " + index.dimension()
          + ", --base " + base + " has " + baseData.dimension();
    }
    if (index.metric() != metric) {
      return "--load-index " + loadIndex + " was built for metric "
          + index.metric().name().toLowerCase(Locale.ROOT) + ", not --metric " + metricName;
    }
    if (index.size() != baseData.rows()) {
      return "--load-index " + loadIndex + " holds " + index.size() + " vectors, --base " + base
          + " has " + baseData.rows() + "; was it built from this base?";
    }
    return null;
  }

  private void save(Kind k, int kindCount, BenchIndex index, PrintWriter out) throws IOException {
    if (saveIndex == null) {
      return;
    }
    if (!k.kind().canSave()) {
      out.printf(Locale.ROOT, "  (%s cannot be saved; not saved)%n", k.spec());
      return;
    }
    Path target = kindCount == 1 ? saveIndex : saveIndex.resolve(k.spec().replaceAll("[^A-Za-z0-9._-]", "_"));
    long start = System.nanoTime();
    index.save(target);
    out.printf(Locale.ROOT, "  saved to %s in %.1f s%n", target, (System.nanoTime() - start) / 1e9);
  }

  private static boolean isEmptyDirectory(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (var files = Files.list(dir)) {
      return files.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  private CommandLine.ParameterException fail(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  private static int failed(PrintWriter err, String message) {
    err.println("shortlist ann: " + message);
    err.flush();
    return 1;
  }

  // ---- output ------------------------------------------------------------------------------

  private void writeJson(List<AnnResult> results, Metric metric, int queryCount) throws IOException {
    List<Object> rows = new ArrayList<>();
    for (AnnResult r : results) {
      Map<String, Object> m = new LinkedHashMap<>(r.toJson());
      m.put("metric", metric.name().toLowerCase(Locale.ROOT));
      m.put("queries", queryCount);
      m.put("threads", threads);
      rows.add(m);
    }
    createParent(json);
    Files.writeString(json, Json.write(rows), StandardCharsets.UTF_8);
  }

  private static void createParent(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
  }

  private String chartTitle(VectorData baseData, Metric metric) {
    return String.format(Locale.ROOT, "Recall vs. QPS: %s, %,d × %d, %s",
        base.getFileName(), baseData.rows(), baseData.dimension(),
        metric.name().toLowerCase(Locale.ROOT));
  }

  private String chartSubtitle(int queryCount, boolean truthGiven) {
    return String.format(Locale.ROOT, "%,d queries, %d query %s, Java %d, %d cores; %s",
        queryCount, threads, threads == 1 ? "thread" : "threads", Runtime.version().feature(),
        Runtime.getRuntime().availableProcessors(),
        truthGiven ? "truth from " + truth.getFileName() : "truth by exact search");
  }
}
