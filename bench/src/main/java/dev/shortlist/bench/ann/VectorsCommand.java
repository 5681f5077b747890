package dev.shortlist.bench.ann;

import dev.shortlist.bench.cli.Progress;
import dev.shortlist.retrieval.IntMatrix;
import dev.shortlist.retrieval.Metric;
import dev.shortlist.retrieval.VectorFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shortlist vectors}: writes a synthetic ANN benchmark set (base vectors, queries and
 * their exact nearest neighbours) for {@code shortlist ann}.
 */
@Command(
    name = "vectors",
    header = "Writes a synthetic ANN benchmark set: base vectors, queries, exact neighbours.",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Writes a synthetic benchmark set for `shortlist ann` into --out: base and query vectors"
          + " drawn from clustered Gaussians (random centroids plus noise; unit length for"
          + " cosine), and the exact top --truth-k base rows of every query by --metric, computed"
          + " by exact search on all cores. Files: base and queries (float32), truth (int32), as"
          + " .fvecs/.ivecs or .npy.",
      ""
    })
public final class VectorsCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--n", paramLabel = "N", description = "Base vectors (default: ${DEFAULT-VALUE}).")
  int n = 200_000;

  @Option(names = "--dim", paramLabel = "D", description = "Dimension (default: ${DEFAULT-VALUE}).")
  int dim = 128;

  @Option(names = "--clusters", paramLabel = "C", description = "Clusters (default: ${DEFAULT-VALUE}).")
  int clusters = 1_000;

  @Option(names = "--queries", paramLabel = "Q", description = "Queries (default: ${DEFAULT-VALUE}).")
  int queries = 1_000;

  @Option(names = "--metric", paramLabel = "METRIC",
      description = "cosine, dot or l2, for the truth (default: ${DEFAULT-VALUE}).")
  String metricName = "cosine";

  @Option(names = "--truth-k", paramLabel = "K",
      description = "True neighbours written per query (default: ${DEFAULT-VALUE}).")
  int truthK = 100;

  @Option(names = "--seed", paramLabel = "S", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created).")
  Path out;

  @Option(names = "--format", paramLabel = "FORMAT",
      description = "fvecs (with truth.ivecs) or npy (default: ${DEFAULT-VALUE}).")
  String format = "fvecs";

  @Override
  public Integer call() {
    PrintWriter pw = spec.commandLine().getOut();
    Metric metric;
    try {
      metric = Metric.parse(metricName);
    } catch (IllegalArgumentException e) {
      throw fail("--metric: " + e.getMessage());
    }
    check(n >= 1, "--n must be positive, was " + n);
    check(dim >= 1 && dim <= 65_536, "--dim must be in [1, 65536], was " + dim);
    check((long) n * dim <= Integer.MAX_VALUE - 8,
        "--n × --dim must be at most 2^31 values (generated in memory), was " + ((long) n * dim));
    check(clusters >= 1 && clusters <= n, "--clusters must be in [1, --n = " + n + "], was " + clusters);
    check(queries >= 1 && (long) queries * dim <= Integer.MAX_VALUE - 8,
        "--queries must be positive (and × --dim at most 2^31), was " + queries);
    check(truthK >= 1 && truthK <= n, "--truth-k must be in [1, --n = " + n + "], was " + truthK);
    check((long) queries * truthK <= Integer.MAX_VALUE - 8,
        "--queries × --truth-k must be at most 2^31, was " + ((long) queries * truthK));
    String ext = format.toLowerCase(Locale.ROOT);
    check(ext.equals("fvecs") || ext.equals("npy"), "--format must be fvecs or npy, was '" + format + "'");
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw fail("--out " + out + " exists and is not a directory");
    }

    Path basePath = out.resolve("base." + ext);
    Path queryPath = out.resolve("queries." + ext);
    Path truthPath = out.resolve(ext.equals("npy") ? "truth.npy" : "truth.ivecs");
    try {
      Files.createDirectories(out);
      ClusteredVectors gen = new ClusteredVectors(dim, clusters, metric == Metric.COSINE, seed);
      SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
      SplittableRandom queryRnd = rnd.split();

      float[] base = new float[n * dim];
      Progress p = new Progress("generating base vectors", n, pw);
      int block = 4_096;
      for (int i = 0; i < n; i += block) {
        gen.fill(rnd, base, i * dim, Math.min(block, n - i));
        p.update(i + block);
      }
      p.done();
      float[] query = new float[queries * dim];
      gen.fill(queryRnd, query, 0, queries);
      write(basePath, base, n);
      write(queryPath, query, queries);

      VectorData baseData = new VectorData(basePath, base, n, dim);
      float[][] queryRows = new VectorData(queryPath, query, queries, dim).rowArrays();
      int cores = Runtime.getRuntime().availableProcessors();
      int[] truth = GroundTruth.compute(baseData, metric, queryRows, truthK, cores, pw);
      VectorFiles.write(truthPath, IntMatrix.of(truth, truthK));
    } catch (IOException e) {
      pw.flush();
      spec.commandLine().getErr().println("shortlist vectors: writing " + out + " failed: " + e.getMessage());
      return 1;
    }
    pw.printf(Locale.ROOT, "Wrote %,d × %d base vectors, %,d queries and their exact top-%d (%s) to %s:%n",
        n, dim, queries, truthK, metric.name().toLowerCase(Locale.ROOT), out);
    for (Path f : new Path[] {basePath, queryPath, truthPath}) {
      try {
        pw.printf(Locale.ROOT, "  %-40s %s%n", f, AnnResult.bytes(Files.size(f)));
      } catch (IOException e) {
        pw.printf(Locale.ROOT, "  %s%n", f);
      }
    }
    pw.printf(Locale.ROOT, "Benchmark with: shortlist ann --base %s --queries %s --truth %s --metric %s --k 10 --index exact --index lucene-hnsw%n",
        basePath, queryPath, truthPath, metric.name().toLowerCase(Locale.ROOT));
    pw.flush();
    return 0;
  }

  private static void write(Path file, float[] values, int rows) throws IOException {
    try (VectorFiles.Writer w = VectorFiles.newWriter(file, VectorFiles.ElementType.FLOAT32,
        values.length / rows)) {
      w.write(values, 0, rows);
    }
  }

  private void check(boolean ok, String message) {
    if (!ok) {
      throw fail(message);
    }
  }

  private CommandLine.ParameterException fail(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
