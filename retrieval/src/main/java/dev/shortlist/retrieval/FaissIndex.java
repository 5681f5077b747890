package dev.shortlist.retrieval;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntConsumer;

/**
 * A {@link VectorIndex} on the FAISS C++ library through Shortlist's own JNI binding: any index
 * FAISS's {@code index_factory} builds ({@code Flat}, {@code HNSW32}, {@code IVF1024,Flat},
 * {@code IVF256,PQ16}, …), with 64-bit item ids, saved and opened in FAISS's own file format so
 * that indexes built offline by FAISS's Python binding can be served here and the reverse.
 *
 * <h2>Ids, removal, training</h2>
 * IVF indexes keep the item ids in their inverted lists (with a hash-table direct map for look-ups
 * and removal); every other index is wrapped in FAISS's {@code IndexIDMap2}. {@link #remove} and
 * the replacement of an id's vector by {@link #upsert} work where FAISS can remove vectors (Flat,
 * IVF, PQ, SQ); FAISS's HNSW graphs cannot, so there they throw {@link
 * UnsupportedOperationException} and the index is unchanged ({@link #supportsRemove()} tells).
 * Indexes that need training (IVF, PQ) refuse writes and searches until {@link #train} ran. Any
 * id but -1 (FAISS's "no result") is accepted.
 *
 * <h2>Search</h2>
 * One query runs on one OpenMP thread (parallelism comes from concurrent callers); exclusions are
 * applied inside FAISS's search through an id selector. When the graph or the probed lists yield
 * fewer than {@code k} eligible items although {@code k} exist, the search falls back to a scan of
 * the stored vectors (HNSW) or probes every list (IVF), so {@code k} results come back whenever
 * {@code k} eligible items exist. Scores follow {@link Metric}: cosine and dot product use FAISS's
 * inner product (cosine on vectors normalised on the way in), L2 reports the negated squared
 * distance. A search checks its deadline before and after the native call, which is not
 * interrupted.
 *
 * <h2>Native library</h2>
 * {@code libshortlist_faiss.so} is built by the Maven build when {@code g++} and the FAISS headers
 * are present ({@code apt-get install g++ libfaiss-dev libopenblas-dev}) and loaded from the jar;
 * without it, {@link #isAvailable()} is false and creating an index throws {@link
 * IllegalStateException} saying what to install.
 *
 * <p>Thread-safe: searches run concurrently under a shared lock; writes, training and {@link
 * #close()} take it exclusively. Native memory is released by {@link #close()}, or by a cleaner if
 * an index becomes unreachable unclosed.
 */
public final class FaissIndex implements VectorIndex {

  /** The default HNSW candidate list size of searches. */
  public static final int DEFAULT_EF_SEARCH = 64;

  /** The default number of IVF lists probed by searches. */
  public static final int DEFAULT_NPROBE = 8;

  private static final Cleaner CLEANER =
      Cleaner.create(Thread.ofPlatform().name("shortlist-faiss-cleaner").daemon(true).factory());

  private static final int BULK_CHUNK = 16_384;

  private final NativeHandle handle;
  private final Cleaner.Cleanable cleanable;
  private final String description;
  private final int dimension;
  private final Metric metric;
  private final int efSearch;
  private final int nprobe;
  private final boolean ivf;
  private final boolean hnsw;
  private final boolean canRemove;
  private final boolean exactVectors;
  private final int threads;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile int size;
  private volatile boolean trained;
  private boolean closed; // guarded by lock
  /** The efSearch stored in the native HNSW index; changed only under the write lock. */
  private int nativeEfSearch;

  private FaissIndex(long h, String description, Metric metric, int efSearch, int nprobe) {
    this.handle = new NativeHandle(h);
    this.cleanable = CLEANER.register(this, handle);
    this.description = description;
    this.dimension = FaissNative.dimension(h);
    this.metric = metric;
    int flags = FaissNative.flags(h);
    this.ivf = (flags & FaissNative.FLAG_IVF) != 0;
    this.hnsw = (flags & FaissNative.FLAG_HNSW) != 0;
    this.canRemove = (flags & FaissNative.FLAG_CAN_REMOVE) != 0;
    this.exactVectors = (flags & FaissNative.FLAG_EXACT_VECTORS) != 0;
    this.trained = (flags & FaissNative.FLAG_TRAINED) != 0;
    this.efSearch = efSearch > 0 ? efSearch : Math.max(1, FaissNative.defaultEfSearch(h));
    this.nprobe = nprobe > 0 ? nprobe : Math.max(1, FaissNative.defaultNprobe(h));
    if (efSearch > 0 && hnsw) {
      FaissNative.setEfSearch(h, efSearch);
    }
    if (nprobe > 0 && ivf) {
      FaissNative.setNprobe(h, nprobe);
    }
    this.nativeEfSearch = FaissNative.defaultEfSearch(h);
    this.size = Math.toIntExact(FaissNative.size(h));
    this.threads = Runtime.getRuntime().availableProcessors();
  }

  /** Whether the native library is loaded, so that indexes can be created. */
  public static boolean isAvailable() {
    return FaissNative.problem() == null;
  }

  /** Why the native library is not loaded and what to install, or null when it is. */
  public static String unavailableReason() {
    return FaissNative.problem();
  }

  /** A builder for an index of {@code dimension}-component vectors compared by {@code metric}. */
  public static Builder builder(int dimension, Metric metric) {
    return new Builder(dimension, metric);
  }

  /**
   * Opens a FAISS index file (written by {@link #save}, or by FAISS itself, e.g. Python's {@code
   * faiss.write_index}) whose vectors are compared by {@code metric}: {@link Metric#L2} needs an
   * L2 index, {@link Metric#DOT} and {@link Metric#COSINE} an inner-product one (for cosine, the
   * stored vectors must be unit length). Items keep the ids FAISS stored; an index without ids
   * numbers its items 0, 1, ….
   *
   * @throws IOException naming the file if it is missing, not a FAISS index, truncated or corrupt
   * @throws IllegalArgumentException if the file's metric does not fit {@code metric}
   * @throws IllegalStateException if the native library is not available
   */
  public static FaissIndex open(Path file, Metric metric) throws IOException {
    return open(file, 0, metric);
  }

  /**
   * {@link #open(Path, Metric)}, also checking that the file holds vectors of {@code dimension}.
   *
   * @throws IllegalArgumentException if the file's dimension or metric does not fit
   */
  public static FaissIndex open(Path file, int dimension, Metric metric) throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(metric, "metric");
    FaissNative.check();
    FaissFiles.Header header = FaissFiles.check(file);
    if (dimension > 0 && header.dimension() != dimension) {
      throw new IllegalArgumentException("FAISS index file " + file + " has dimension "
          + header.dimension() + ", expected " + dimension);
    }
    int wanted = metric == Metric.L2 ? FaissFiles.METRIC_L2 : FaissFiles.METRIC_INNER_PRODUCT;
    if (header.metricType() != wanted) {
      throw new IllegalArgumentException("FAISS index file " + file + " has metric "
          + metricName(header.metricType()) + ", expected " + metricName(wanted) + " for "
          + metric.name().toLowerCase(Locale.ROOT));
    }
    long h;
    try {
      h = FaissNative.read(file.toAbsolutePath().toString());
    } catch (IllegalStateException e) {
      throw new IOException("corrupt or truncated FAISS index file " + file + ": " + e.getMessage(), e);
    }
    if (FaissNative.dimension(h) != header.dimension() || FaissNative.size(h) > Integer.MAX_VALUE) {
      FaissNative.free(h);
      throw new IOException("corrupt FAISS index file " + file + ": its header and content disagree");
    }
    return new FaissIndex(h, "file " + file.getFileName(), metric, 0, 0);
  }

  // ---- training ----

  /**
   * Trains the index (IVF centroids, PQ codebooks) on {@code flatVectors}: rows of {@link
   * #dimension()} floats, normalised first for cosine. Uses every core for large inputs. A no-op
   * for indexes that need no training.
   *
   * @throws IllegalArgumentException if a row is malformed or the length is not a multiple of the
   *     dimension; the index is then unchanged
   * @throws IllegalStateException if the index already holds items, or FAISS refuses (e.g. fewer
   *     training vectors than IVF lists)
   */
  public void train(float[] flatVectors) {
    float[] rows = prepareRows(null, flatVectors, "training vector");
    lock.writeLock().lock();
    try {
      ensureOpen();
      if (size > 0) {
        throw new IllegalStateException("cannot train " + this + ": it already holds " + size + " items");
      }
      FaissNative.train(handle.h, rows, rows.length / dimension, threadsFor(rows.length));
      trained = (FaissNative.flags(handle.h) & FaissNative.FLAG_TRAINED) != 0;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Whether the index can take items and searches (always, for indexes that need no training). */
  public boolean isTrained() {
    return trained;
  }

  // ---- writes ----

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException on a wrong dimension or a non-finite component (or a zero
   *     vector for cosine); the index is then unchanged
   * @throws IllegalStateException if the index is not trained
   * @throws UnsupportedOperationException if {@code id} is present and this index cannot remove
   *     vectors (HNSW); the index is then unchanged
   */
  @Override
  public void upsert(long id, float[] vector) {
    checkId(id);
    float[] v = VectorChecks.prepare(vector, dimension, metric, "vector for id " + id, "vector");
    lock.writeLock().lock();
    try {
      ensureWritable();
      if (FaissNative.contains(handle.h, id)) {
        if (!canRemove) {
          throw cannotRemove("replace the vector of id " + id);
        }
        FaissNative.remove(handle.h, new long[] {id});
      }
      FaissNative.add(handle.h, new long[] {id}, v, 1);
      size = Math.toIntExact(FaissNative.size(handle.h));
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Adds or replaces many vectors at once using every core: the fast way to build an index. Row
   * {@code i} of {@code flatVectors} (length {@code ids.length × dimension}) belongs to {@code
   * ids[i]}; ids must be distinct. All rows are checked before anything is written.
   *
   * @param progress receives the number of rows written so far, now and then
   * @throws IllegalArgumentException if a row is malformed or an id repeats; nothing is written
   * @throws UnsupportedOperationException if an id is present and this index cannot remove
   */
  public void upsertAll(long[] ids, float[] flatVectors, IntConsumer progress) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(progress, "progress");
    for (long id : ids) {
      checkId(id);
    }
    float[] rows = prepareRows(ids, flatVectors, "vector for id");
    long[] sorted = ids.clone();
    Arrays.sort(sorted);
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] == sorted[i - 1]) {
        throw new IllegalArgumentException("ids must be distinct; id " + sorted[i] + " repeats");
      }
    }
    lock.writeLock().lock();
    try {
      ensureWritable();
      long[] present = Arrays.stream(ids).filter(id -> FaissNative.contains(handle.h, id)).toArray();
      if (present.length > 0) {
        if (!canRemove) {
          throw cannotRemove("replace the vector of id " + present[0]);
        }
        FaissNative.remove(handle.h, present);
      }
      for (int from = 0; from < ids.length; from += BULK_CHUNK) {
        int to = Math.min(ids.length, from + BULK_CHUNK);
        FaissNative.add(handle.h, Arrays.copyOfRange(ids, from, to),
            Arrays.copyOfRange(rows, from * dimension, to * dimension),
            threadsFor((long) (to - from) * dimension));
        size = Math.toIntExact(FaissNative.size(handle.h));
        progress.accept(to);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws UnsupportedOperationException if this index cannot remove vectors (HNSW)
   */
  @Override
  public boolean remove(long id) {
    lock.writeLock().lock();
    try {
      ensureOpen();
      if (!canRemove) {
        throw cannotRemove("remove id " + id);
      }
      if (!FaissNative.contains(handle.h, id)) {
        return false;
      }
      long removed = FaissNative.remove(handle.h, new long[] {id});
      size = Math.toIntExact(FaissNative.size(handle.h));
      return removed > 0;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Whether {@link #remove} works, and so the replacement of a present id's vector. */
  public boolean supportsRemove() {
    return canRemove;
  }

  // ---- search ----

  @Override
  public Neighbors search(float[] query, int k, IdSet exclusions, Deadline deadline) {
    return search(query, k, efSearch, nprobe, exclusions, deadline);
  }

  /**
   * As {@link #search(float[], int, IdSet, Deadline)}, with {@code efSearch} candidates explored
   * in an HNSW graph (at least {@code k}) and {@code nprobe} IVF lists probed; each is ignored by
   * indexes it does not apply to.
   *
   * @throws IllegalArgumentException if {@code k}, {@code efSearch} or {@code nprobe} is not
   *     positive, or the query is malformed
   * @throws IllegalStateException if the index is not trained or is closed
   */
  public Neighbors search(
      float[] query, int k, int efSearch, int nprobe, IdSet exclusions, Deadline deadline) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, was " + k);
    }
    if (efSearch <= 0) {
      throw new IllegalArgumentException("efSearch must be positive, was " + efSearch);
    }
    if (nprobe <= 0) {
      throw new IllegalArgumentException("nprobe must be positive, was " + nprobe);
    }
    float[] q = VectorChecks.prepare(query, dimension, metric, "query", "query");
    Objects.requireNonNull(exclusions, "exclusions");
    Objects.requireNonNull(deadline, "deadline");
    deadline.check("FAISS search");
    long[] excluded = exclusions.isEmpty() ? null : exclusions.toArray(); // ascending
    int ef = Math.max(efSearch, k);
    readLockWithEfSearch(ef);
    try {
      ensureOpen();
      if (!trained) {
        throw notTrained("search");
      }
      int n = Math.min(k, size);
      if (n == 0) {
        return Neighbors.empty();
      }
      long[] ids = new long[n];
      float[] distances = new float[n];
      int found = FaissNative.search(handle.h, q, k, ef, nprobe, excluded, ids, distances);
      deadline.check("FAISS search");
      if (found < n) {
        ids = Arrays.copyOf(ids, found);
        distances = Arrays.copyOf(distances, found);
      }
      if (metric == Metric.L2) {
        for (int i = 0; i < found; i++) {
          distances[i] = -distances[i];
        }
      }
      return Neighbors.wrap(ids, distances);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Takes the read lock with the native HNSW efSearch equal to {@code ef}. FAISS 1.7.3 sizes the
   * search's candidate heap from the index's own efSearch even when the search passes another
   * one, so it is set here, under the write lock (then downgraded), when it differs; a steady
   * efSearch costs nothing.
   */
  private void readLockWithEfSearch(int ef) {
    lock.readLock().lock();
    if (!hnsw || nativeEfSearch == ef) {
      return;
    }
    lock.readLock().unlock();
    lock.writeLock().lock();
    try {
      if (!closed && nativeEfSearch != ef) {
        FaissNative.setEfSearch(handle.h, ef);
        nativeEfSearch = ef;
      }
      lock.readLock().lock();
    } finally {
      lock.writeLock().unlock();
    }
  }

  // ---- files ----

  /**
   * Writes the index to {@code file} in FAISS's own format (readable by FAISS's {@code
   * read_index} and by {@link #open}), through a temporary file moved into place. Searches may
   * run meanwhile.
   *
   * @throws IOException if it cannot be written
   */
  public void save(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
    try {
      lock.readLock().lock();
      try {
        ensureOpen();
        try {
          FaissNative.write(handle.h, tmp.toString());
        } catch (IllegalStateException e) {
          throw new IOException("writing FAISS index to " + file + " failed: " + e.getMessage(), e);
        }
      } finally {
        lock.readLock().unlock();
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  // ---- accessors ----

  /**
   * {@inheritDoc}
   *
   * @throws UnsupportedOperationException if the index does not store vectors exactly (PQ, SQ,
   *     transforms)
   */
  @Override
  public float[] vector(long id) {
    if (!exactVectors) {
      throw new UnsupportedOperationException(
          this + " does not keep the vectors it was given (lossy codes or a transform)");
    }
    lock.readLock().lock();
    try {
      ensureOpen();
      float[] out = new float[dimension];
      return FaissNative.reconstruct(handle.h, id, out) ? out : null;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public Metric metric() {
    return metric;
  }

  /** The factory string it was built from, or the file it was opened from. */
  public String description() {
    return description;
  }

  /** The default HNSW candidate list size of {@link #search(float[], int, IdSet, Deadline)}. */
  public int efSearch() {
    return efSearch;
  }

  /** The default number of IVF lists probed by {@link #search(float[], int, IdSet, Deadline)}. */
  public int nprobe() {
    return nprobe;
  }

  /** Whether this is an HNSW index (searches take {@code efSearch}). */
  public boolean isHnsw() {
    return hnsw;
  }

  /** Whether this is an IVF index (searches take {@code nprobe}). */
  public boolean isIvf() {
    return ivf;
  }

  /** Estimated bytes of native memory held: codes or vectors, graph links, lists, ids. */
  public long memoryBytes() {
    lock.readLock().lock();
    try {
      ensureOpen();
      return FaissNative.memoryBytes(handle.h);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Releases the native index; later calls throw {@link IllegalStateException}. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        cleanable.clean();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "FaissIndex[" + description + ", " + size + " × " + dimension + ", "
        + metric.name().toLowerCase(Locale.ROOT) + "]";
  }

  // ---- helpers ----

  private float[] prepareRows(long[] ids, float[] flatVectors, String what) {
    Objects.requireNonNull(flatVectors, "flatVectors");
    if (ids == null ? flatVectors.length % dimension != 0
        : (long) ids.length * dimension != flatVectors.length) {
      throw new IllegalArgumentException("flatVectors has " + flatVectors.length + " floats, "
          + (ids == null ? "not a multiple of the dimension " + dimension
              : "expected ids.length × dimension = " + ids.length + " × " + dimension));
    }
    int rows = flatVectors.length / dimension;
    float[] out = new float[flatVectors.length];
    float[] row = new float[dimension];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(flatVectors, i * dimension, row, 0, dimension);
      String name = ids == null ? what + " " + i : what + " " + ids[i];
      float[] p = VectorChecks.prepare(row, dimension, metric, name, "flatVectors");
      System.arraycopy(p, 0, out, i * dimension, dimension);
    }
    return out;
  }

  /**
   * OpenMP threads for training on or adding {@code floats} values: every core for large inputs,
   * one for small ones, where waking and synchronising the other threads costs more than it
   * saves (markedly so on a busy machine).
   */
  private int threadsFor(long floats) {
    return floats >= (1 << 20) ? threads : 1;
  }

  private static void checkId(long id) {
    if (id == -1) {
      throw new IllegalArgumentException("id must not be -1, which FAISS uses for 'no result'");
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(this + " is closed");
    }
  }

  private void ensureWritable() {
    ensureOpen();
    if (!trained) {
      throw notTrained("add vectors");
    }
  }

  private IllegalStateException notTrained(String what) {
    return new IllegalStateException("cannot " + what + ": " + this
        + " is not trained; call train(...) with representative vectors first");
  }

  private UnsupportedOperationException cannotRemove(String what) {
    return new UnsupportedOperationException("cannot " + what + ": " + this
        + " cannot remove vectors (FAISS supports removal for Flat, IVF, PQ and SQ indexes, not"
        + " HNSW graphs); rebuild the index instead");
  }

  private static String metricName(int metricType) {
    return metricType == FaissFiles.METRIC_L2 ? "L2" : "inner product";
  }

  /** Frees the native index once; run by {@link #close()} or by the cleaner. */
  private static final class NativeHandle implements Runnable {
    final long h;

    NativeHandle(long h) {
      this.h = h;
    }

    @Override
    public void run() {
      FaissNative.free(h);
    }
  }

  /**
   * Builds a {@link FaissIndex}; checks every setting eagerly. Not thread-safe; the index it builds
   * is.
   */
  public static final class Builder {
    private final int dimension;
    private final Metric metric;
    private String factory = "Flat";
    private int efSearch = DEFAULT_EF_SEARCH;
    private int nprobe = DEFAULT_NPROBE;
    private int efConstruction;

    private Builder(int dimension, Metric metric) {
      if (dimension <= 0 || dimension > ExactIndex.MAX_DIMENSION) {
        throw new IllegalArgumentException(
            "dimension must be in [1, " + ExactIndex.MAX_DIMENSION + "], was " + dimension);
      }
      this.dimension = dimension;
      this.metric = Objects.requireNonNull(metric, "metric");
    }

    /**
     * The FAISS factory string, e.g. {@code Flat} (the default), {@code HNSW32}, {@code
     * IVF1024,Flat}, {@code IVF256,PQ16}; FAISS checks it when {@link #build()} runs.
     */
    public Builder factory(String factory) {
      Objects.requireNonNull(factory, "factory");
      if (factory.isBlank()) {
        throw new IllegalArgumentException("factory must not be blank");
      }
      this.factory = factory.trim();
      return this;
    }

    /** The default HNSW candidate list size of searches (default {@value #DEFAULT_EF_SEARCH}). */
    public Builder efSearch(int efSearch) {
      if (efSearch <= 0) {
        throw new IllegalArgumentException("efSearch must be positive, was " + efSearch);
      }
      this.efSearch = efSearch;
      return this;
    }

    /** The default number of IVF lists probed (default {@value #DEFAULT_NPROBE}). */
    public Builder nprobe(int nprobe) {
      if (nprobe <= 0) {
        throw new IllegalArgumentException("nprobe must be positive, was " + nprobe);
      }
      this.nprobe = nprobe;
      return this;
    }

    /** The HNSW construction candidate list size (FAISS's default, 40, when not set). */
    public Builder efConstruction(int efConstruction) {
      if (efConstruction <= 0) {
        throw new IllegalArgumentException("efConstruction must be positive, was " + efConstruction);
      }
      this.efConstruction = efConstruction;
      return this;
    }

    /**
     * Creates the index (empty; untrained if the factory needs training).
     *
     * @throws IllegalArgumentException if FAISS does not know the factory string
     * @throws IllegalStateException if the native library is not available, saying what to install
     */
    public FaissIndex build() {
      FaissNative.check();
      long h = FaissNative.create(dimension, factory, metric != Metric.L2);
      try {
        if (efConstruction > 0) {
          FaissNative.setEfConstruction(h, efConstruction);
        }
        return new FaissIndex(h, factory, metric, efSearch, nprobe);
      } catch (RuntimeException | Error e) {
        FaissNative.free(h);
        throw e;
      }
    }
  }
}
