package dev.shortlist.retrieval;

import static dev.shortlist.retrieval.FaissTesting.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * File interop with FAISS's own Python binding (Debian's {@code python3-faiss}, run as {@code
 * /usr/bin/python3}, or {@code -Dshortlist.faiss.python=...}): indexes written here are read and
 * searched by FAISS's {@code read_index}, and indexes FAISS's Python binding wrote are opened and
 * searched here, with the same ids and scores both ways. Skipped, saying so, when that Python
 * cannot import faiss.
 */
class FaissPythonInteropTest {

  private static final String PYTHON = System.getProperty("shortlist.faiss.python", "/usr/bin/python3");
  private static final int DIM = 16;
  private static final int N = 2_000;
  private static final int QUERIES = 20;
  private static final int K = 10;

  /** Reads vectors and queries from raw float32 files, then builds or reads an index and searches. */
  private static final String SCRIPT = """
      import sys, numpy as np, faiss
      mode, factory, metric, index_file, data_file, query_file, ef, nprobe, k = sys.argv[1:10]
      d = %d
      faiss.omp_set_num_threads(1)
      x = np.fromfile(data_file, dtype='<f4').reshape(-1, d)
      q = np.fromfile(query_file, dtype='<f4').reshape(-1, d)
      if mode == 'write':
          m = faiss.METRIC_L2 if metric == 'l2' else faiss.METRIC_INNER_PRODUCT
          index = faiss.index_factory(d, factory, m)
          index.train(x)
          if factory.startswith('IVF') or factory.startswith('IDMap'):
              index.add_with_ids(x, (np.arange(len(x), dtype='int64') * 5 + 10**12))
          else:
              index.add(x)
          faiss.write_index(index, index_file)
      else:
          index = faiss.read_index(index_file)
      inner = faiss.downcast_index(index.index) if hasattr(index, 'id_map') else index
      if hasattr(inner, 'hnsw'):
          inner.hnsw.efSearch = int(ef)
      ivf = faiss.try_extract_index_ivf(index)
      if ivf is not None:
          ivf.nprobe = int(nprobe)
      D, I = index.search(q, int(k))
      print(index.ntotal)
      for dist, ids in zip(D, I):
          print(' '.join(str(i) for i in ids) + ';' + ' '.join(repr(float(v)) for v in dist))
      """.formatted(DIM);

  private final long seed = Long.getLong("shortlist.test.seed", 0x5EED_2026L);

  @TempDir Path temp;

  /** Why Python's FAISS cannot be used, or null; checked once. */
  private static String pythonProblem;

  @BeforeAll
  static void checkPython() throws Exception {
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import faiss, numpy")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      pythonProblem = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 ? null : out.strip();
    } catch (IOException e) {
      pythonProblem = e.getMessage();
    }
  }

  @BeforeEach
  void nativeLibraryAndPython() {
    FaissTesting.assumeNativeLibrary();
    Assumptions.assumeTrue(pythonProblem == null, () -> "FAISS interop tests skipped: " + PYTHON
        + " cannot import faiss and numpy (apt-get install python3-faiss): " + pythonProblem);
  }

  private record PythonResult(long size, List<long[]> ids, List<float[]> distances) {}

  private PythonResult python(String mode, String factory, Metric metric, Path index, Path data,
      Path queries, int ef, int nprobe) throws Exception {
    Path script = temp.resolve("interop.py");
    Files.writeString(script, SCRIPT);
    Process p = new ProcessBuilder(PYTHON, script.toString(), mode, factory,
        metric == Metric.L2 ? "l2" : "ip", index.toString(), data.toString(), queries.toString(),
        Integer.toString(ef), Integer.toString(nprobe), Integer.toString(K))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("python finished").isTrue();
    assertThat(p.exitValue()).as("python exit code; output: %s", out).isZero();
    String[] lines = out.strip().split("\n");
    List<long[]> ids = new ArrayList<>();
    List<float[]> distances = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      String[] parts = lines[i].split(";");
      String[] idText = parts[0].trim().split(" ");
      String[] dText = parts[1].trim().split(" ");
      long[] row = new long[idText.length];
      float[] dist = new float[dText.length];
      for (int j = 0; j < row.length; j++) {
        row[j] = Long.parseLong(idText[j]);
        dist[j] = Float.parseFloat(dText[j]);
      }
      ids.add(row);
      distances.add(dist);
    }
    return new PythonResult(Long.parseLong(lines[0].trim()), ids, distances);
  }

  private static Path writeFloats(Path file, float[] values) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    Files.write(file, b.array());
    return file;
  }

  /** FAISS distance to a Shortlist score. */
  private static float score(Metric metric, float distance) {
    return metric == Metric.L2 ? -distance : distance;
  }

  private static void assertSame(FaissIndex index, PythonResult py, float[] queries, Metric metric,
      int ef, int nprobe, String context) {
    for (int q = 0; q < QUERIES; q++) {
      Neighbors got = index.search(row(queries, q, DIM), K, ef, nprobe, IdSet.empty(), Deadline.none());
      assertThat(got.ids()).as("%s, query %d", context, q).containsExactly(py.ids().get(q));
      for (int i = 0; i < K; i++) {
        float expected = score(metric, py.distances().get(q)[i]);
        assertThat(got.score(i)).as("%s, query %d rank %d", context, q, i)
            .isCloseTo(expected, within(1e-4f * Math.max(1, Math.abs(expected))));
      }
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {"Flat|L2", "HNSW32|DOT", "IVF32,Flat|L2", "IVF16,PQ4x4|DOT"})
  void indexWrittenHere_isReadAndSearchedIdenticallyByFaissPython(String factory, Metric metric)
      throws Exception {
    Random rnd = new Random(seed);
    float[] data = FaissTesting.gaussianRows(rnd, N, DIM);
    float[] queries = FaissTesting.gaussianRows(rnd, QUERIES, DIM);
    long[] ids = LongStream.range(0, N).map(i -> (1L << 42) + 11 * i).toArray();
    Path file = temp.resolve("java.faiss");
    try (FaissIndex index = FaissIndex.builder(DIM, metric).factory(factory).build()) {
      if (!index.isTrained()) {
        index.train(data);
      }
      index.upsertAll(ids, data, done -> {});
      index.save(file);
      PythonResult py = python("read", factory, metric, file, writeFloats(temp.resolve("x.f32"), data),
          writeFloats(temp.resolve("q.f32"), queries), 48, 4);
      assertThat(py.size()).isEqualTo(N);
      assertSame(index, py, queries, metric, 48, 4, factory + " written by Shortlist, read by FAISS");
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|',
      value = {"Flat|L2", "HNSW32|DOT", "IVF32,Flat|L2", "IDMap,Flat|DOT", "IVF16,PQ4x4|L2"})
  void indexWrittenByFaissPython_isOpenedAndSearchedIdenticallyHere(String factory, Metric metric)
      throws Exception {
    Random rnd = new Random(seed + 1);
    float[] data = FaissTesting.gaussianRows(rnd, N, DIM);
    float[] queries = FaissTesting.gaussianRows(rnd, QUERIES, DIM);
    Path file = temp.resolve("python.faiss");
    PythonResult py = python("write", factory, metric, file, writeFloats(temp.resolve("x.f32"), data),
        writeFloats(temp.resolve("q.f32"), queries), 48, 4);
    try (FaissIndex index = FaissIndex.open(file, DIM, metric)) {
      assertThat(index.size()).isEqualTo(N);
      assertSame(index, py, queries, metric, 48, 4, factory + " written by FAISS, read by Shortlist");
      boolean ownIds = factory.startsWith("IVF") || factory.startsWith("IDMap");
      long firstId = ownIds ? 1_000_000_000_000L : 0;
      long step = ownIds ? 5 : 1;
      if (index.supportsRemove()) {
        assertThat(index.remove(firstId + step * 7)).isTrue();
        assertThat(index.size()).isEqualTo(N - 1);
      }
      if (!factory.contains("PQ")) {
        assertThat(index.vector(firstId + step * 3)).containsExactly(row(data, 3, DIM));
      }
    }
  }
}
