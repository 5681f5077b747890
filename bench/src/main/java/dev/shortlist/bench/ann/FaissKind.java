package dev.shortlist.bench.ann;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import dev.shortlist.retrieval.FaissIndex;
import dev.shortlist.retrieval.Metric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * {@code faiss:<factory>}: a {@link FaissIndex} described by a FAISS factory string (e.g. {@code
 * faiss:IVF1024,Flat}, {@code faiss:HNSW32}, {@code faiss:IVF256,PQ16}). Indexes that need
 * training are trained on the whole base (FAISS samples what k-means needs), then filled in bulk
 * using every core; searches run one OpenMP thread each. HNSW factories sweep {@code --ef}, IVF
 * ones {@code --nprobe}. {@code --save-index} writes FAISS's own file format (to {@code
 * DIR/index.faiss} when the target is a directory) and {@code --load-index} opens any FAISS index
 * file, e.g. one written by {@code faiss.write_index} in Python.
 */
final class FaissKind implements IndexKind {

  private static final String PREFIX = "faiss:";

  /** The file name used when --save-index or --load-index names a directory. */
  static final String FILE_IN_DIRECTORY = "index.faiss";

  @Override
  public String pattern() {
    return "faiss:<factory>";
  }

  @Override
  public String description() {
    return "FAISS by factory string, e.g. faiss:HNSW32 (sweeps ef), faiss:IVF1024,Flat (sweeps"
        + " nprobe)";
  }

  @Override
  public boolean accepts(String spec) {
    return spec.startsWith(PREFIX);
  }

  private static String factory(String spec) {
    return spec.substring(PREFIX.length()).trim();
  }

  @Override
  public void checkAvailable(String spec) {
    if (factory(spec).isEmpty()) {
      throw new IllegalArgumentException(
          "'" + spec + "' needs a factory string after 'faiss:', e.g. faiss:IVF1024,Flat");
    }
    if (!FaissIndex.isAvailable()) {
      throw new IllegalArgumentException("'" + spec + "': " + FaissIndex.unavailableReason());
    }
  }

  @Override
  public SearchParameter searchParameter(String spec) {
    String factory = factory(spec).toUpperCase(Locale.ROOT);
    if (factory.contains("IVF")) {
      return SearchParameter.NPROBE;
    }
    return factory.contains("HNSW") ? SearchParameter.EF : SearchParameter.NONE;
  }

  @Override
  public boolean canSave() {
    return true;
  }

  @Override
  public BenchIndex build(
      String spec, VectorData base, Metric metric, BuildOptions options, IntConsumer progress) {
    checkAvailable(spec);
    FaissIndex index = FaissIndex.builder(base.dimension(), metric).factory(factory(spec)).build();
    try {
      if (!index.isTrained()) {
        index.train(base.values());
      }
      index.upsertAll(base.rowIds(), base.values(), progress);
    } catch (RuntimeException | Error e) {
      index.close();
      throw e;
    }
    return new Built(index);
  }

  @Override
  public BenchIndex open(String spec, Path path, Metric metric) throws IOException {
    checkAvailable(spec);
    Path file = Files.isDirectory(path) ? path.resolve(FILE_IN_DIRECTORY) : path;
    return new Built(FaissIndex.open(file, metric));
  }

  private record Built(FaissIndex index) implements BenchIndex {

    @Override
    public long memoryBytes() {
      return index.memoryBytes();
    }

    @Override
    public String details() {
      return index.description();
    }

    @Override
    public Searcher searcher(int k, int setting) {
      int ef = index.isHnsw() && setting > 0 ? setting : index.efSearch();
      int nprobe = index.isIvf() && setting > 0 ? setting : index.nprobe();
      return query -> index.search(query, k, ef, nprobe, IdSet.empty(), Deadline.none());
    }

    @Override
    public void save(Path path) throws IOException {
      index.save(Files.isDirectory(path) ? path.resolve(FILE_IN_DIRECTORY) : path);
    }
  }
}
