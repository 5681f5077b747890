package dev.shortlist.retrieval;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.SegmentReader;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.search.knn.MultiLeafKnnCollector;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.hnsw.BlockingFloatHeap;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding;

/**
 * A {@link VectorIndex} on Apache Lucene's HNSW graphs, in memory or on disk (memory-mapped),
 * with float or quantized vectors, live updates and exclusion filters applied inside the graph
 * search.
 *
 * <h2>Live updates: a merged base plus a small exact delta</h2>
 * Writing every update straight into Lucene and reopening the reader makes many small segments,
 * each searched separately, which slows queries several-fold until they are merged. So writes go
 * first to an in-memory <em>delta</em> (an append-only buffer, scanned exactly by every search)
 * and mark any older copy of the id in the Lucene <em>base</em> as superseded. A background
 * thread moves the delta into Lucene once it holds {@link Builder#flushThreshold(int)} entries,
 * reopens the reader, and installs the new base and the (short) rest of the delta in one atomic
 * swap; Lucene's merge policy keeps few segments, and their merges run on that same background
 * thread, so live updates never take more than one core from the searches. A search visits the
 * largest segment first and the smaller ones after it with the best similarities found so far as
 * a bound, so the small segments that updates create cost little.
 *
 * <p><b>Visibility:</b> an {@link #upsert} or {@link #remove} is visible to every search that
 * starts after it returns (no refresh needed). {@link #refresh()} only moves the delta into the
 * graph now.
 *
 * <h2>Search</h2>
 * Each segment's graph is searched with a candidate list of {@code max(k, ef)}; the request's
 * exclusions and superseded ids are rejected inside the traversal (Lucene's filtered HNSW
 * search). When the exclusions leave fewer than {@code k} results although {@code k} eligible
 * vectors exist, or exclude most of the index, the search falls back to an exact scan, so {@code
 * k} results come back whenever {@code k} eligible vectors exist. With quantization, the
 * candidates are rescored exactly with the float vectors, which Lucene keeps beside the quantized
 * ones. Scores follow {@link Metric}.
 *
 * <p>Thread-safe: searches read an immutable snapshot and never wait for writers; writers are
 * serialised by a lock that searches never take.
 */
public final class LuceneHnswIndex implements VectorIndex {

  /** How vectors are stored in the graph. */
  public enum Quantization {
    /** 32-bit floats. */
    NONE,
    /** 8-bit scalar quantization (about 4× smaller), rescored with floats. */
    INT8,
    /** 4-bit scalar quantization (about 8× smaller), rescored with floats. */
    INT4,
    /** 1-bit quantization (about 32× smaller), rescored with floats. */
    BINARY
  }

  /** The largest {@code k} a search may ask for, unless configured otherwise. */
  public static final int DEFAULT_MAX_K = 10_000;

  static final String ID_FIELD = "id";
  static final String VECTOR_FIELD = "vector";
  static final String METADATA_FILE = "shortlist-index.properties";
  private static final int FORMAT_VERSION = 1;

  private final int dimension;
  private final Metric metric;
  private final Quantization quantization;
  private final int maxConnections;
  private final int beamWidth;
  private final int efSearch;
  private final int maxK;
  private final int flushThreshold;
  private final int rescoreFactor;
  private final VectorMath math = VectorMath.get();

  private final Directory directory;
  private final Path path;
  private final IndexWriter writer;
  /** The writer's merge policy; its size cap follows the largest segment (under the flush lock). */
  private final TieredMergePolicy merges;
  /** Serialises appends to the delta; searches never take it. */
  private final ReentrantLock writeLock = new ReentrantLock();
  /** Serialises moves of the delta into Lucene (and other whole-index operations). */
  private final ReentrantLock flushLock = new ReentrantLock();
  private final ExecutorService flusher;
  private boolean flushScheduled; // guarded by writeLock
  private volatile Throwable flushFailure;
  private volatile State state;
  private volatile boolean closed;
  /** The private directory of an index built without {@link Builder#directory(Path)}. */
  private Path tempDirectory;

  private LuceneHnswIndex(Builder b, Directory directory, Path path) throws IOException {
    this.dimension = b.dimension;
    this.metric = b.metric;
    this.quantization = b.quantization;
    this.maxConnections = b.maxConnections;
    this.beamWidth = b.beamWidth;
    this.efSearch = b.efSearch;
    this.maxK = b.maxK;
    this.flushThreshold = b.flushThreshold;
    this.rescoreFactor = b.rescoreFactor;
    this.directory = directory;
    this.path = path;
    KnnVectorsFormat format = format(quantization, maxConnections, beamWidth);
    IndexWriterConfig config =
        new IndexWriterConfig()
            .setCodec(
                new Lucene104Codec() {
                  @Override
                  public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                    return format;
                  }
                })
            .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
            .setRAMBufferSizeMB(b.ramBufferMb)
            .setCommitOnClose(path != null);
    this.merges = new TieredMergePolicy();
    // Few segments: every segment is a separate graph search.
    merges.setSegmentsPerTier(3);
    // Merging a large segment that has deletions rebuilds (repairs) its graph: many seconds of a
    // core for a 100k-vector segment. So the largest segment is left out of ordinary merges (the
    // cap below, set to 0.8 × its size after every reopen, makes it "too large" to merge) and is
    // rewritten alone only once half of it is superseded; the segments that updates create merge
    // among themselves, which is cheap.
    merges.setDeletesPctAllowed(50);
    config.setMergePolicy(merges);
    // Merges run in the thread whose flush triggered them: for live updates that is the one
    // background flush thread, so flushing and merging together never take more than one core
    // from the searches (a separate merge thread would compete with them for the CPU).
    config.setMergeScheduler(new SerialMergeScheduler());
    this.writer = new IndexWriter(directory, config);
    this.flusher =
        Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("shortlist-lucene-flush").daemon(true).factory());
    this.state = State.open(DirectoryReader.open(writer), new Delta(capacity(), dimension), null,
        this::closeLater);
    capMerges(state);
  }

  /** A builder for an index of {@code dimension}-component vectors compared by {@code metric}. */
  public static Builder builder(int dimension, Metric metric) {
    return new Builder(dimension, metric);
  }

  /**
   * Opens an index saved by {@link #save(Path)} (or built with {@link Builder#directory(Path)}),
   * with the settings it was saved with; further writes go to that directory.
   *
   * @throws IOException if {@code directory} holds no Shortlist index or cannot be read
   */
  public static LuceneHnswIndex open(Path directory) throws IOException {
    Properties meta = readMetadata(directory);
    Builder b;
    try {
      b =
          builder(Integer.parseInt(meta.getProperty("dimension")),
                  Metric.parse(meta.getProperty("metric")))
              .quantization(Quantization.valueOf(meta.getProperty("quantization")))
              .maxConnections(Integer.parseInt(meta.getProperty("maxConnections")))
              .beamWidth(Integer.parseInt(meta.getProperty("beamWidth")))
              .efSearch(Integer.parseInt(meta.getProperty("efSearch")));
    } catch (RuntimeException e) {
      throw new IOException(
          "corrupt " + METADATA_FILE + " in " + directory + ": " + e.getMessage(), e);
    }
    return b.directory(directory).build();
  }

  // ---- writes ----

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException on a wrong dimension or a non-finite component (or a zero
   *     vector for cosine); the index is then unchanged
   */
  @Override
  public void upsert(long id, float[] vector) {
    float[] v = VectorChecks.prepare(vector, dimension, metric, "vector for id " + id, "vector");
    write(id, v);
  }

  @Override
  public boolean remove(long id) {
    return write(id, null);
  }

  private boolean write(long id, float[] vector) {
    while (true) {
      writeLock.lock();
      try {
        ensureOpen();
        rethrowFlushFailure();
        State s = state;
        if (!s.delta.isFull()) {
          boolean existed = s.contains(id);
          if (vector == null && !existed) {
            return false;
          }
          s.append(id, vector);
          if (s.delta.count() >= flushThreshold && !flushScheduled) {
            flushScheduled = true;
            flusher.execute(this::backgroundFlush);
          }
          return existed;
        }
      } finally {
        writeLock.unlock();
      }
      flush(); // back-pressure: the delta is full because flushing fell behind
    }
  }

  /**
   * Adds or replaces many vectors at once, straight into the graph (no delta): the fast way to
   * build an index. Row {@code i} of {@code flatVectors} (length {@code ids.length × dimension})
   * belongs to {@code ids[i]}. All rows are checked before anything is written. Writes made
   * concurrently through {@link #upsert} count as later than these.
   *
   * @param progress receives the number of rows written so far, now and then
   * @throws IllegalArgumentException if a row is malformed; nothing is written then
   */
  public void upsertAll(long[] ids, float[] flatVectors, IntConsumer progress) {
    float[][] rows = VectorChecks.prepareRows(ids, flatVectors, dimension, metric);
    Objects.requireNonNull(progress, "progress");
    flushLock.lock();
    try {
      ensureOpen();
      flush();
      for (int i = 0; i < ids.length; i++) {
        writer.updateDocument(idTerm(ids[i]), document(ids[i], rows[i]));
        if ((i & 1023) == 1023) {
          progress.accept(i + 1);
        }
      }
      install(0);
      progress.accept(ids.length);
    } catch (IOException e) {
      throw new UncheckedIOException("bulk upsert into " + where() + " failed", e);
    } finally {
      flushLock.unlock();
    }
  }

  /** Moves the delta into the graph now and waits for it; searches see no difference. */
  public void refresh() {
    ensureOpen();
    flush();
  }

  /** Merges the graph into one segment (slow; for benchmarks and saved indexes). */
  public void forceMerge() {
    flushLock.lock();
    try {
      ensureOpen();
      flush();
      writer.forceMerge(1);
      install(0);
    } catch (IOException e) {
      throw new UncheckedIOException("force merge of " + where() + " failed", e);
    } finally {
      flushLock.unlock();
    }
  }

  /**
   * Writes the index to {@code target} (created if needed; must be empty or absent), readable
   * by {@link #open(Path)}. Writes made while it runs may or may not be included.
   *
   * @throws IOException if it cannot be written
   */
  public void save(Path target) throws IOException {
    Objects.requireNonNull(target, "target");
    flushLock.lock();
    try {
      ensureOpen();
      flush();
      writer.commit();
      Files.createDirectories(target);
      if (path != null && Files.isSameFile(target, path)) {
        writeMetadata(target);
        return;
      }
      try (var existing = Files.list(target)) {
        if (existing.findAny().isPresent()) {
          throw new IOException("cannot save index: " + target + " is not empty");
        }
      }
      try (Directory out = FSDirectory.open(target)) {
        for (String file : writer.getDirectory().listAll()) {
          if (file.equals("write.lock")) {
            continue;
          }
          out.copyFrom(directory, file, file, IOContext.DEFAULT);
        }
      }
      writeMetadata(target);
    } finally {
      flushLock.unlock();
    }
  }

  private void backgroundFlush() {
    writeLock.lock();
    try {
      flushScheduled = false;
    } finally {
      writeLock.unlock();
    }
    try {
      if (!closed) {
        flush();
      }
    } catch (RuntimeException | Error e) {
      flushFailure = e;
    }
  }

  /**
   * Writes the delta's entries into Lucene and installs a reader that holds them. The Lucene
   * work runs without the write lock, so writers go on appending to the delta meanwhile; those
   * later entries are carried over to the new delta at the swap.
   */
  private void flush() {
    flushLock.lock();
    try {
      State s = state;
      int upTo = s.delta.count();
      if (upTo == 0 || closed) {
        return;
      }
      Delta d = s.delta;
      for (int p = 0; p < upTo; p++) {
        int sup = d.supersededAt(p);
        if (sup != 0 && sup <= upTo) {
          continue; // a later entry for the same id, also written now, decides
        }
        long id = d.id(p);
        if (d.isRemoval(p)) {
          writer.deleteDocuments(idTerm(id));
        } else {
          writer.updateDocument(idTerm(id), document(id, d.vector(p)));
        }
      }
      install(upTo);
    } catch (IOException e) {
      throw new UncheckedIOException("moving updates into " + where() + " failed", e);
    } finally {
      flushLock.unlock();
    }
  }

  /**
   * Opens a reader on what the writer holds and swaps in a state with it plus the delta entries
   * from {@code from} on (those not in the writer). Called with the flush lock held; takes the
   * write lock only for the swap.
   */
  private void install(int from) throws IOException {
    State s = state; // only installs replace the state, and they hold the flush lock
    DirectoryReader next = DirectoryReader.openIfChanged(s.reader, writer, true);
    if (next == null) {
      next = s.reader;
      next.incRef();
    }
    State fresh = State.open(next, new Delta(capacity(), dimension), s, this::closeLater);
    capMerges(fresh);
    writeLock.lock();
    try {
      Delta d = s.delta;
      int upTo = d.count();
      for (int p = from; p < upTo; p++) {
        if (d.supersededAt(p) == 0) {
          fresh.append(d.id(p), d.isRemoval(p) ? null : d.vector(p));
        }
      }
      state = fresh;
    } finally {
      writeLock.unlock();
    }
    s.release();
  }

  /** Sets the merge size cap to 0.8 × the largest segment (at least 16 MB): see the constructor. */
  private void capMerges(State s) throws IOException {
    long largest = 0;
    for (Leaf leaf : s.leaves) {
      if (leaf.reader instanceof SegmentReader sr) {
        largest = Math.max(largest, sr.getSegmentInfo().sizeInBytes());
      }
    }
    merges.setMaxMergedSegmentMB(Math.max(16, 0.8 * largest / (1024.0 * 1024.0)));
  }

  /**
   * Runs the closing of a reader nobody uses any more. Closing one can delete index files through
   * the writer, which checks its lock file's channel, and a channel used by an interrupted thread
   * is closed for good (the index would accept no more writes). So it runs on the index's own
   * background thread, never on a caller's, except once the index is closed.
   */
  private void closeLater(Runnable closing) {
    if (!closed) {
      try {
        flusher.execute(closing);
        return;
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // shut down meanwhile: close here
      }
    }
    closing.run();
  }

  // ---- search ----

  @Override
  public Neighbors search(float[] query, int k, IdSet exclusions, Deadline deadline) {
    return search(query, k, efSearch, exclusions, deadline);
  }

  /**
   * As {@link #search(float[], int, IdSet, Deadline)}, with {@code ef} candidates explored per
   * segment (at least {@code k}): higher {@code ef} = better recall, slower.
   *
   * @throws IllegalArgumentException if {@code k} is not in [1, maxK] or {@code ef} is not
   *     positive, or the query is malformed
   */
  public Neighbors search(float[] query, int k, int ef, IdSet exclusions, Deadline deadline) {
    if (k <= 0 || k > maxK) {
      throw new IllegalArgumentException("k must be in [1, " + maxK + "], was " + k);
    }
    if (ef <= 0) {
      throw new IllegalArgumentException("ef must be positive, was " + ef);
    }
    float[] q = VectorChecks.prepare(query, dimension, metric, "query", "query");
    Objects.requireNonNull(exclusions, "exclusions");
    Objects.requireNonNull(deadline, "deadline");
    deadline.check("HNSW search");
    State s = acquire();
    int visible = s.delta.count();
    TopK top = new TopK(k);
    try {
      int liveInBase = s.liveBaseDocs();
      boolean exact = exclusions.size() >= liveInBase / 2;
      int found = exact ? -1 : searchGraph(s, visible, q, k, Math.max(k, ef), exclusions, deadline, top);
      if (exact || found < Math.min(k, liveInBase)) {
        top = new TopK(k);
        exactBase(s, visible, q, exclusions, deadline, top);
      }
      scanDelta(s.delta, visible, q, exclusions, top);
    } catch (IOException e) {
      throw new UncheckedIOException("search of " + where() + " failed", e);
    } finally {
      s.release();
    }
    return top.drain();
  }

  /** The current state, with its reader referenced until {@link State#release()}. */
  private State acquire() {
    while (true) {
      ensureOpen();
      State s = state;
      if (s.tryAcquire()) {
        return s;
      }
      // A flush swapped the state and released this reader meanwhile: take the new one.
    }
  }

  /** HNSW search of every segment; returns how many base results were collected. */
  private int searchGraph(
      State s, int visible, float[] q, int k, int candidates, IdSet exclusions, Deadline deadline,
      TopK top)
      throws IOException {
    boolean rescore = quantization != Quantization.NONE;
    int perLeaf = rescore ? Math.max(candidates, k * rescoreFactor) : candidates;
    int found = 0;
    long total = s.baseDocs;
    // With several segments, the largest is searched first and its results bound the others'
    // searches: a shared heap of the best `perLeaf` similarities so far lets each later graph
    // search stop once its frontier cannot beat them (Lucene's multi-leaf collector, as its own
    // KNN queries use), instead of exploring a full candidate list in every small segment.
    BlockingFloatHeap shared = s.bySize.length > 1 ? new BlockingFloatHeap(perLeaf) : null;
    for (Leaf leaf : s.bySize) {
      deadline.check("HNSW search");
      Bits accept = leaf.accept(visible, exclusions);
      int leafList = leafCandidates(perLeaf, total == 0 ? 1 : leaf.reader.numDocs() / (double) total);
      TopKnnCollector local = new TopKnnCollector(leafList, Integer.MAX_VALUE);
      KnnCollector collector =
          shared == null ? local : new MultiLeafKnnCollector(leafList, shared, local);
      leaf.reader.searchNearestVectors(
          VECTOR_FIELD, q, collector, AcceptDocs.fromLiveDocs(accept, leaf.reader.maxDoc()));
      TopDocs docs = local.topDocs();
      FloatVectorValues values = rescore ? leaf.reader.getFloatVectorValues(VECTOR_FIELD) : null;
      int n = 0;
      for (ScoreDoc sd : docs.scoreDocs) {
        long id = leaf.ids.idOfDoc[sd.doc];
        float score =
            rescore ? exactScore(q, values.vectorValue(leaf.ordOf(sd.doc, values))) : fromLucene(sd.score);
        if (top.accepts(score, id)) {
          top.add(score, id);
        }
        n++;
      }
      found += Math.min(n, k);
    }
    return Math.min(found, k);
  }

  /**
   * The candidate list for a segment holding {@code share} of the base. A segment's share of the
   * global top {@code n} is binomial with mean {@code n·share}; searching for that mean plus 16
   * standard deviations (as Lucene's own KNN queries do) keeps recall while sparing the small
   * segments that live updates create a full-size search each. The returned hits still count
   * towards k only up to what the segment yields, and the exact fallback covers any shortfall.
   */
  static int leafCandidates(int n, double share) {
    if (share >= 1) {
      return n;
    }
    double mean = n * share;
    int list = (int) Math.ceil(mean + 16 * Math.sqrt(mean * (1 - share)));
    return Math.max(1, Math.min(n, list));
  }

  /** Exact scan of every live, eligible base vector. */
  private void exactBase(
      State s, int visible, float[] q, IdSet exclusions, Deadline deadline, TopK top)
      throws IOException {
    for (Leaf leaf : s.leaves) {
      FloatVectorValues values = leaf.reader.getFloatVectorValues(VECTOR_FIELD);
      if (values == null) {
        continue;
      }
      Bits accept = leaf.accept(visible, exclusions);
      var it = values.iterator();
      int checked = 0;
      for (int doc = it.nextDoc(); doc != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS;
          doc = it.nextDoc()) {
        if ((++checked & 4095) == 0) {
          deadline.check("exact fallback search");
        }
        if (accept != null && !accept.get(doc)) {
          continue;
        }
        float score = exactScore(q, values.vectorValue(it.index()));
        long id = leaf.ids.idOfDoc[doc];
        if (top.accepts(score, id)) {
          top.add(score, id);
        }
      }
    }
  }

  private void scanDelta(Delta d, int visible, float[] q, IdSet exclusions, TopK top) {
    for (int p = 0; p < visible; p++) {
      int sup = d.supersededAt(p);
      if ((sup != 0 && sup <= visible) || d.isRemoval(p)) {
        continue;
      }
      long id = d.id(p);
      if (exclusions.contains(id)) {
        continue;
      }
      float score = d.score(p, q, metric, math);
      if (top.accepts(score, id)) {
        top.add(score, id);
      }
    }
  }

  private float exactScore(float[] q, float[] v) {
    return math.similarity(metric, q, v, 0, dimension);
  }

  /** Lucene's similarity score back to {@link Metric}'s. */
  private float fromLucene(float s) {
    return switch (metric) {
      case COSINE -> 2 * s - 1;
      case DOT -> s < 1 ? 1 - 1 / s : s - 1;
      case L2 -> 1 - 1 / s;
    };
  }

  // ---- accessors ----

  /**
   * {@inheritDoc}
   *
   * <p>O(pending updates) to look through the delta, then one read from the graph's vectors.
   */
  @Override
  public float[] vector(long id) {
    State s = acquire();
    try {
      Delta d = s.delta;
      int visible = d.count();
      for (int p = visible - 1; p >= 0; p--) {
        if (d.id(p) == id) {
          return d.isRemoval(p) ? null : d.vector(p);
        }
      }
      long at = s.locate(id);
      if (at < 0) {
        return null;
      }
      Leaf leaf = s.leaves[(int) (at >>> 32)];
      int doc = (int) at;
      FloatVectorValues values = leaf.reader.getFloatVectorValues(VECTOR_FIELD);
      return values.vectorValue(leaf.ordOf(doc, values)).clone();
    } catch (IOException e) {
      throw new UncheckedIOException("reading vector " + id + " from " + where() + " failed", e);
    } finally {
      s.release();
    }
  }

  @Override
  public int size() {
    State s = state;
    return s.size();
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public Metric metric() {
    return metric;
  }

  public Quantization quantization() {
    return quantization;
  }

  /** The default candidate-list size of {@link #search(float[], int, IdSet, Deadline)}. */
  public int efSearch() {
    return efSearch;
  }

  /** How many Lucene segments (separately searched graphs) the base has now. */
  public int segmentCount() {
    return state.leaves.length;
  }

  /** How many updates wait in the delta (scanned exactly until moved into the graph). */
  public int pendingUpdates() {
    return state.delta.count();
  }

  /** Bytes of the index's files (vectors, graph, ids) plus the delta's buffers. */
  public long ramBytesUsed() {
    State s = state;
    long bytes = s.delta.bytes();
    for (Leaf leaf : s.leaves) {
      if (leaf.reader instanceof SegmentReader sr) {
        try {
          bytes += sr.getSegmentInfo().sizeInBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      bytes += leaf.ids.bytes() + 4L * leaf.deletedAt.length;
    }
    return bytes;
  }

  @Override
  public void close() {
    flushLock.lock();
    try {
      if (closed) {
        return;
      }
      if (path != null) {
        flush();
      }
      writeLock.lock();
      try {
        closed = true;
      } finally {
        writeLock.unlock();
      }
      flusher.shutdown();
      state.release();
      writer.close();
      directory.close();
      if (tempDirectory != null) {
        deleteRecursively(tempDirectory);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("closing " + where() + " failed", e);
    } finally {
      flushLock.unlock();
    }
    try {
      flusher.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "LuceneHnswIndex[" + size() + " × " + dimension + ", " + metric + ", " + quantization
        + ", M=" + maxConnections + ", beam=" + beamWidth + ", ef=" + efSearch + ", " + where()
        + "]";
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private String where() {
    return path == null ? "in-memory index" : "index at " + path;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(where() + " is closed");
    }
  }

  private void rethrowFlushFailure() {
    Throwable t = flushFailure;
    if (t != null) {
      throw new IllegalStateException(
          "a background flush of " + where() + " failed; the index accepts no more writes", t);
    }
  }

  private int capacity() {
    return flushThreshold * 4;
  }

  private static KnnVectorsFormat format(Quantization q, int m, int beam) {
    return switch (q) {
      case NONE -> new Lucene99HnswVectorsFormat(m, beam);
      case INT8 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.SEVEN_BIT, m, beam);
      case INT4 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.PACKED_NIBBLE, m, beam);
      case BINARY ->
          new Lucene104HnswScalarQuantizedVectorsFormat(
              ScalarEncoding.SINGLE_BIT_QUERY_NIBBLE, m, beam);
    };
  }

  private VectorSimilarityFunction similarity() {
    return switch (metric) {
      case COSINE -> VectorSimilarityFunction.DOT_PRODUCT; // vectors are normalised on the way in
      case DOT -> VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
      case L2 -> VectorSimilarityFunction.EUCLIDEAN;
    };
  }

  private Document document(long id, float[] v) {
    Document doc = new Document();
    doc.add(new StringField(ID_FIELD, idBytes(id), Field.Store.NO));
    doc.add(new NumericDocValuesField(ID_FIELD, id));
    doc.add(new KnnFloatVectorField(VECTOR_FIELD, v, similarity()));
    return doc;
  }

  private static Term idTerm(long id) {
    return new Term(ID_FIELD, idBytes(id));
  }

  private static BytesRef idBytes(long id) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (id >>> (56 - 8 * i));
    }
    return new BytesRef(b);
  }

  private void writeMetadata(Path dir) throws IOException {
    Properties p = new Properties();
    p.setProperty("format", Integer.toString(FORMAT_VERSION));
    p.setProperty("dimension", Integer.toString(dimension));
    p.setProperty("metric", metric.name().toLowerCase(Locale.ROOT));
    p.setProperty("quantization", quantization.name());
    p.setProperty("maxConnections", Integer.toString(maxConnections));
    p.setProperty("beamWidth", Integer.toString(beamWidth));
    p.setProperty("efSearch", Integer.toString(efSearch));
    try (OutputStream out = Files.newOutputStream(dir.resolve(METADATA_FILE))) {
      p.store(out, "Shortlist LuceneHnswIndex");
    }
  }

  private static Properties readMetadata(Path dir) throws IOException {
    Objects.requireNonNull(dir, "directory");
    Path file = dir.resolve(METADATA_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(
          "not a Shortlist Lucene index: " + dir + " has no " + METADATA_FILE
              + (Files.isDirectory(dir) ? "" : " (the directory does not exist)"));
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    if (!Integer.toString(FORMAT_VERSION).equals(p.getProperty("format"))) {
      throw new IOException(
          "index at " + dir + " has format " + p.getProperty("format") + ", this version reads "
              + FORMAT_VERSION);
    }
    return p;
  }

  // ---- snapshot state ----

  /**
   * The ids of one segment's docs, read once per segment (Lucene's segment core) and shared by
   * every state whose reader holds that segment: a reopen after a flush re-reads only the new
   * segments. Immutable once built, so searches and writers read it without locks.
   */
  private static final class SegmentIds {
    final long[] idOfDoc;
    /** Id to the segment's last doc with that id (the only one that can be live). */
    final LongIntHashMap lastDocOf;

    SegmentIds(LeafReader reader) throws IOException {
      int maxDoc = reader.maxDoc();
      idOfDoc = new long[maxDoc];
      lastDocOf = new LongIntHashMap(Math.max(16, maxDoc));
      NumericDocValues ids = reader.getNumericDocValues(ID_FIELD);
      if (ids != null) {
        for (int doc = ids.nextDoc(); doc != NumericDocValues.NO_MORE_DOCS; doc = ids.nextDoc()) {
          long id = ids.longValue();
          idOfDoc[doc] = id;
          // Docs are numbered in write order within a segment: a later doc with the same id is
          // a later update, and Lucene has deleted the earlier one.
          lastDocOf.put(id, doc);
        }
      }
    }

    long bytes() {
      return 8L * idOfDoc.length + lastDocOf.bytes();
    }
  }

  /** One segment of the base: its reader, the id of each doc, and which docs were superseded. */
  private static final class Leaf {
    final LeafReader reader;
    /** Identifies the segment across readers (Lucene's core cache key), or null. */
    final Object coreKey;
    final SegmentIds ids;
    /** Delta position + 1 of the entry that superseded the doc, or 0. Written under the lock. */
    final int[] deletedAt;
    final Bits liveDocs;
    final boolean dense;
    /** How many docs of this leaf a delta entry superseded; written under the write lock. */
    volatile int superseded;

    Leaf(LeafReader reader, Object coreKey, SegmentIds ids) throws IOException {
      this.reader = reader;
      this.coreKey = coreKey;
      this.ids = ids;
      this.deletedAt = new int[reader.maxDoc()];
      this.liveDocs = reader.getLiveDocs();
      FloatVectorValues values = reader.getFloatVectorValues(VECTOR_FIELD);
      this.dense = values == null || values.size() == reader.maxDoc();
    }

    /** The live doc holding {@code id} in this segment, or -1. */
    int liveDocOf(long id) {
      int doc = ids.lastDocOf.get(id);
      return doc >= 0 && live(doc) ? doc : -1;
    }

    boolean live(int doc) {
      return liveDocs == null || liveDocs.get(doc);
    }

    int ordOf(int doc, FloatVectorValues values) throws IOException {
      if (dense) {
        return doc;
      }
      var it = values.iterator();
      it.advance(doc);
      return it.index();
    }

    /** Live docs, not superseded by a visible delta entry, not excluded. */
    Bits accept(int visible, IdSet exclusions) {
      if (superseded == 0 && exclusions.isEmpty()) {
        // Nothing to reject beyond Lucene's own deletions (later supersessions are invisible to
        // this search: their positions are past its snapshot).
        return liveDocs;
      }
      int maxDoc = reader.maxDoc();
      boolean noExclusions = exclusions.isEmpty();
      return new Bits() {
        @Override
        public boolean get(int doc) {
          if (liveDocs != null && !liveDocs.get(doc)) {
            return false;
          }
          int sup = deletedAt[doc];
          if (sup != 0 && sup <= visible) {
            return false;
          }
          return noExclusions || !exclusions.contains(ids.idOfDoc[doc]);
        }

        @Override
        public int length() {
          return maxDoc;
        }
      };
    }
  }

  /** An immutable view of the base (one reader) with the mutable, append-only delta on top. */
  private static final class State {
    final DirectoryReader reader;
    final Leaf[] leaves;
    /** The leaves, largest first: the order graph searches visit them. */
    final Leaf[] bySize;
    /** Lucene's live docs in the base (superseded ones included), for each leaf's share. */
    final long baseDocs;
    final Delta delta;
    /** Holders: the index while this is its current state, plus each search using it. */
    private final java.util.concurrent.atomic.AtomicInteger refs =
        new java.util.concurrent.atomic.AtomicInteger(1);
    private final java.util.function.Consumer<Runnable> closer;
    /** Live base docs superseded so far, and live ids in the delta; written under the lock. */
    volatile int supersededBase;
    volatile int deltaLive;

    private State(DirectoryReader reader, Leaf[] leaves, Delta delta,
        java.util.function.Consumer<Runnable> closer) {
      this.reader = reader;
      this.closer = closer;
      this.leaves = leaves;
      this.bySize = leaves.clone();
      java.util.Arrays.sort(bySize, (a, b) -> Integer.compare(b.reader.numDocs(), a.reader.numDocs()));
      long docs = 0;
      for (Leaf leaf : leaves) {
        docs += leaf.reader.numDocs();
      }
      this.baseDocs = docs;
      this.delta = delta;
    }

    /**
     * A state over {@code reader} (whose reference it takes over); {@code closer} runs its closing.
     * Segments that {@code previous} (the state it replaces, or null) already held keep their
     * {@link SegmentIds}; only new segments have their ids read.
     */
    static State open(DirectoryReader reader, Delta delta, State previous,
        java.util.function.Consumer<Runnable> closer) throws IOException {
      List<LeafReaderContext> ctx = reader.leaves();
      Leaf[] leaves = new Leaf[ctx.size()];
      for (int i = 0; i < leaves.length; i++) {
        LeafReader leafReader = ctx.get(i).reader();
        IndexReader.CacheHelper core = leafReader.getCoreCacheHelper();
        Object key = core == null ? null : core.getKey();
        SegmentIds ids = previous == null ? null : previous.idsOf(key);
        leaves[i] = new Leaf(leafReader, key, ids != null ? ids : new SegmentIds(leafReader));
      }
      return new State(reader, leaves, delta, closer);
    }

    /** The ids of the segment with core {@code key} if this state holds it, else null. */
    private SegmentIds idsOf(Object key) {
      if (key != null) {
        for (Leaf leaf : leaves) {
          if (key.equals(leaf.coreKey)) {
            return leaf.ids;
          }
        }
      }
      return null;
    }

    /**
     * Where {@code id} is live in the base: {@code leaf index << 32 | doc}, or -1. An id is live
     * in at most one segment (an update deletes the older copy).
     */
    long locate(long id) {
      for (int i = 0; i < leaves.length; i++) {
        int doc = leaves[i].liveDocOf(id);
        if (doc >= 0) {
          return ((long) i << 32) | doc;
        }
      }
      return -1;
    }

    /** Whether {@code id} is present: its latest delta entry is an upsert, or it is in the base. */
    boolean contains(long id) {
      int p = delta.latest(id);
      if (p >= 0) {
        return !delta.isRemoval(p);
      }
      return locate(id) >= 0;
    }

    /** Appends an upsert ({@code vector} non-null) or removal of {@code id}; under the lock. */
    void append(long id, float[] vector) {
      int previous = delta.latest(id);
      int p = delta.append(id, vector);
      if (previous < 0) {
        long at = locate(id);
        if (at >= 0) {
          Leaf leaf = leaves[(int) (at >>> 32)];
          int doc = (int) at;
          if (leaf.deletedAt[doc] == 0) {
            leaf.deletedAt[doc] = p + 1;
            leaf.superseded++;
            supersededBase++;
          }
        }
      }
      boolean isPresent = vector != null;
      boolean wasInDelta = previous >= 0 && !delta.isRemoval(previous);
      if (isPresent && !wasInDelta) {
        deltaLive++;
      } else if (!isPresent && wasInDelta) {
        deltaLive--;
      }
      delta.publish(p, previous);
    }

    int size() {
      return reader.numDocs() - supersededBase + deltaLive;
    }

    /** Live base docs not superseded (as of now; an upper bound for older snapshots). */
    int liveBaseDocs() {
      return reader.numDocs() - supersededBase;
    }

    /** Takes a reference unless the last one was released; then the caller reads the new state. */
    boolean tryAcquire() {
      for (int r = refs.get(); r > 0; r = refs.get()) {
        if (refs.compareAndSet(r, r + 1)) {
          return true;
        }
      }
      return false;
    }

    /** Drops a reference; the last one hands the reader's closing to the closer. */
    void release() {
      if (refs.decrementAndGet() == 0) {
        closer.accept(
            () -> {
              try {
                reader.decRef();
              } catch (IOException | RuntimeException e) {
                // The files stay until the next successful close; searches are unaffected.
              }
            });
      }
    }
  }

  /**
   * The append-only buffer of recent writes. One writer at a time (under the index's lock)
   * appends and then publishes the new count with a volatile write; searches read the count
   * first and look only at entries below it. An entry superseded by a later one records that
   * one's position + 1: a search whose snapshot predates the later entry still sees the earlier.
   */
  private static final class Delta {
    private final long[] ids;
    private final float[] vectors;
    private final boolean[] removal;
    private final int[] supersededAt;
    private final int dimension;
    private final LongIntHashMap latest; // writer-only
    private volatile int count;

    Delta(int capacity, int dimension) {
      this.ids = new long[capacity];
      this.vectors = new float[Math.multiplyExact(capacity, dimension)];
      this.removal = new boolean[capacity];
      this.supersededAt = new int[capacity];
      this.dimension = dimension;
      this.latest = new LongIntHashMap(16);
    }

    int count() {
      return count;
    }

    boolean isFull() {
      return count == ids.length;
    }

    long id(int p) {
      return ids[p];
    }

    boolean isRemoval(int p) {
      return removal[p];
    }

    int supersededAt(int p) {
      return supersededAt[p];
    }

    int latest(long id) {
      return latest.get(id);
    }

    float[] vector(int p) {
      float[] v = new float[dimension];
      System.arraycopy(vectors, p * dimension, v, 0, dimension);
      return v;
    }

    float score(int p, float[] q, Metric metric, VectorMath math) {
      return math.similarity(metric, q, vectors, p * dimension, dimension);
    }

    /** Writes the entry at the next position, unpublished; returns the position. */
    int append(long id, float[] vector) {
      int p = count;
      ids[p] = id;
      removal[p] = vector == null;
      if (vector != null) {
        System.arraycopy(vector, 0, vectors, p * dimension, dimension);
      }
      return p;
    }

    /** Marks {@code previous} (if any) superseded by {@code p} and makes {@code p} visible. */
    void publish(int p, int previous) {
      if (previous >= 0) {
        supersededAt[previous] = p + 1;
      }
      latest.put(ids[p], p);
      count = p + 1;
    }

    long bytes() {
      return 8L * ids.length + 4L * vectors.length + 5L * ids.length;
    }
  }

  /** Configures a {@link LuceneHnswIndex}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final int dimension;
    private final Metric metric;
    private Quantization quantization = Quantization.NONE;
    private int maxConnections = 16;
    private int beamWidth = 100;
    private int efSearch = 100;
    private int maxK = DEFAULT_MAX_K;
    private int flushThreshold = 1_024;
    private int rescoreFactor = 3;
    private double ramBufferMb = 256;
    private Path directory;

    private Builder(int dimension, Metric metric) {
      if (dimension < 1 || dimension > 4_096) {
        throw new IllegalArgumentException("dimension must be in [1, 4096], was " + dimension);
      }
      this.dimension = dimension;
      this.metric = Objects.requireNonNull(metric, "metric");
    }

    /** HNSW's M: neighbours per node (default 16, 2..512). */
    public Builder maxConnections(int m) {
      this.maxConnections = HnswChecks.inRange("maxConnections", m, 2, 512);
      return this;
    }

    /** HNSW's beam width (efConstruction) while building (default 100, 1..3200). */
    public Builder beamWidth(int beam) {
      this.beamWidth = HnswChecks.beamWidth(beam);
      return this;
    }

    /** Default search-time candidate-list size (default 100). */
    public Builder efSearch(int ef) {
      this.efSearch = HnswChecks.efSearch(ef);
      return this;
    }

    /** How vectors are stored in the graph (default {@link Quantization#NONE}). */
    public Builder quantization(Quantization quantization) {
      this.quantization = Objects.requireNonNull(quantization, "quantization");
      return this;
    }

    /** For quantized indexes: candidates rescored with floats = k × factor (default 3). */
    public Builder rescoreFactor(int factor) {
      if (factor < 1 || factor > 100) {
        throw new IllegalArgumentException("rescoreFactor must be in [1, 100], was " + factor);
      }
      this.rescoreFactor = factor;
      return this;
    }

    /** The largest k a search may ask for (default {@value #DEFAULT_MAX_K}). */
    public Builder maxK(int maxK) {
      this.maxK = HnswChecks.maxK(maxK);
      return this;
    }

    /**
     * Delta entries that trigger a background move into the graph (default 1,024): lower keeps
     * the exact delta scan short, higher makes fewer, larger segments.
     */
    public Builder flushThreshold(int entries) {
      if (entries < 1 || entries > 1_000_000) {
        throw new IllegalArgumentException("flushThreshold must be in [1, 1000000], was " + entries);
      }
      this.flushThreshold = entries;
      return this;
    }

    /** Lucene's indexing buffer in MB (default 256): larger = fewer segments while building. */
    public Builder ramBufferMb(double mb) {
      if (!(mb >= 16 && mb <= 2_000)) {
        throw new IllegalArgumentException("ramBufferMb must be in [16, 2000], was " + mb);
      }
      this.ramBufferMb = mb;
      return this;
    }

    /**
     * Keeps the index on disk in {@code directory} (memory-mapped) instead of on the heap. An
     * existing index there is opened if its dimension, metric and quantization match.
     */
    public Builder directory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * Builds (or opens) the index.
     *
     * @throws IllegalArgumentException if {@link #directory(Path)} holds an index with another
     *     dimension, metric or quantization
     * @throws UncheckedIOException if the directory cannot be used
     */
    public LuceneHnswIndex build() {
      try {
        if (directory == null) {
          // Lucene reads vectors fastest from memory-mapped files (its SIMD scorers work on the
          // mapped segments directly; a heap directory copies every vector it reads), so the
          // "in-memory" mode maps a private temporary directory, deleted on close.
          Path temp = Files.createTempDirectory("shortlist-hnsw-");
          LuceneHnswIndex index = new LuceneHnswIndex(this, FSDirectory.open(temp), null);
          index.tempDirectory = temp;
          return index;
        }
        Files.createDirectories(directory);
        if (Files.exists(directory.resolve(METADATA_FILE))) {
          Properties meta = readMetadata(directory);
          check("dimension", Integer.toString(dimension), meta);
          check("metric", metric.name().toLowerCase(Locale.ROOT), meta);
          check("quantization", quantization.name(), meta);
        } else {
          try (var files = Files.list(directory)) {
            if (files.findAny().isPresent()) {
              throw new IllegalArgumentException(
                  "directory " + directory + " is not empty and holds no Shortlist index ("
                      + METADATA_FILE + " missing)");
            }
          }
        }
        LuceneHnswIndex index = new LuceneHnswIndex(this, FSDirectory.open(directory), directory);
        index.writeMetadata(directory);
        return index;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open index directory " + directory, e);
      }
    }

    private void check(String key, String expected, Properties meta) {
      String actual = meta.getProperty(key);
      if (!expected.equals(actual)) {
        throw new IllegalArgumentException(
            "index at " + directory + " has " + key + " " + actual + ", expected " + expected);
      }
    }
  }
}
