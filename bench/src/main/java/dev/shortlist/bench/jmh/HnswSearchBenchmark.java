package dev.shortlist.bench.jmh;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import dev.shortlist.retrieval.ExactIndex;
import dev.shortlist.retrieval.LuceneHnswIndex;
import dev.shortlist.retrieval.Neighbors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * HNSW search latency through {@link LuceneHnswIndex} ({@link #wrapper}) against the same graph
 * searched by calling Lucene directly ({@link #rawLucene}), the baseline: the difference is what
 * the wrapper costs (query checks and normalisation, snapshot reference counting, the filter that
 * hides superseded documents, mapping Lucene documents to ids, the top-k heap, the delta scan).
 *
 * <p>The corpus ({@code n} clustered {@code dim}-dimensional vectors, cosine) is built once per
 * trial into a {@link LuceneHnswIndex} (M = 16, beam width 100) and force-merged into one segment,
 * then saved to a temporary directory, which the baseline opens as a user of Lucene would
 * ({@code DirectoryReader.open(FSDirectory.open(dir))}, memory-mapped). With {@code storage=heap}
 * the wrapper searches the index as built (the builder's default: a private temporary directory,
 * memory-mapped; the name is historical, from when that default held the files on the heap);
 * with {@code storage=mmap} it searches the saved files reopened with {@link
 * LuceneHnswIndex#open(Path)}, the very files the baseline reads ({@link #rawLucene} is the same
 * for both values). Both paths collect {@code max(k,
 * ef)} candidates and both get the same rotating queries, the baseline's pre-normalised once in
 * the set-up (the index stores unit vectors under Lucene's dot-product similarity), so it pays
 * nothing for normalisation. The set-up prints both paths' recall@k against exact search to
 * stderr, to show they do the same work.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/shortlist.jar
 * org.openjdk.jmh.Main HnswSearchBenchmark} (add {@code -p n=20000} for a quick run, {@code -p
 * ef=200} for another candidate-list size).
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class HnswSearchBenchmark {

  /** {@code LuceneHnswIndex.VECTOR_FIELD}, which is package-private: the field holding vectors. */
  private static final String VECTOR_FIELD = "vector";
  /** {@code LuceneHnswIndex.ID_FIELD}, also package-private: each document's id (doc values). */
  private static final String ID_FIELD = "id";
  private static final int RECALL_QUERIES = 200;

  @Param({"200000"})
  int n;

  @Param({"128"})
  int dim;

  @Param({"10", "500"})
  int k;

  @Param({"100"})
  int ef;

  @Param({"heap"})
  String storage;

  private LuceneHnswIndex index;
  private Path savedDir;
  private Directory directory;
  private DirectoryReader reader;
  private LeafReader leaf;
  private float[][] queries;
  private float[][] unitQueries;
  private int candidates;
  private int cursor;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    if (!storage.equals("heap") && !storage.equals("mmap")) {
      throw new IllegalArgumentException("storage must be heap or mmap, was " + storage);
    }
    ClusteredVectors mixture = new ClusteredVectors(dim, Fixtures.MIXTURE_SEED);
    long[] ids = Fixtures.ids(n);
    float[] corpus = mixture.flat(new Random(1), n);
    index = Fixtures.hnsw(Fixtures.hnswBuilder(dim), dim, ids, corpus);

    savedDir = Fixtures.tempDirectory("shortlist-jmh-hnsw");
    index.save(savedDir);
    if (storage.equals("mmap")) {
      index.close();
      index = LuceneHnswIndex.open(savedDir);
    }
    directory = FSDirectory.open(savedDir);
    reader = DirectoryReader.open(directory);
    List<LeafReaderContext> leaves = reader.leaves();
    if (leaves.size() != 1) {
      throw new IllegalStateException(
          "expected one segment after forceMerge, found " + leaves.size());
    }
    leaf = leaves.get(0).reader();

    candidates = Math.max(k, ef);
    queries = mixture.rows(new Random(2), Fixtures.QUERIES);
    unitQueries = new float[queries.length][];
    for (int i = 0; i < queries.length; i++) {
      unitQueries[i] = ClusteredVectors.unit(queries[i]);
    }
    printRecall(ids, corpus);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    reader.close();
    directory.close();
    index.close();
    Fixtures.deleteRecursively(savedDir);
  }

  /** Through the wrapper: checks, normalises, searches the graph and the (empty) delta. */
  @Benchmark
  public Neighbors wrapper() {
    float[] q = queries[cursor++ & (Fixtures.QUERIES - 1)];
    return index.search(q, k, ef, IdSet.empty(), Deadline.none());
  }

  /** Lucene called directly on the one segment, with a pre-normalised query. */
  @Benchmark
  public TopDocs rawLucene() throws IOException {
    return searchLucene(unitQueries[cursor++ & (Fixtures.QUERIES - 1)]);
  }

  /** Recall@k of both paths against exact search on the first queries, to stderr. */
  private void printRecall(long[] ids, float[] corpus) throws IOException {
    long[] idOfDoc = new long[leaf.maxDoc()];
    NumericDocValues docIds = leaf.getNumericDocValues(ID_FIELD);
    for (int doc = docIds.nextDoc(); doc != NumericDocValues.NO_MORE_DOCS; doc = docIds.nextDoc()) {
      idOfDoc[doc] = docIds.longValue();
    }
    double wrapperHits = 0;
    double rawHits = 0;
    double agreement = 0;
    try (ExactIndex exact = Fixtures.exact(dim, ids, corpus)) {
      for (int i = 0; i < RECALL_QUERIES; i++) {
        Set<Long> truth = idSet(exact.search(queries[i], k));
        Set<Long> viaWrapper = idSet(index.search(queries[i], k, ef, IdSet.empty(), Deadline.none()));
        TopDocs raw = searchLucene(unitQueries[i]);
        Set<Long> viaRaw = new HashSet<>();
        for (int r = 0; r < Math.min(k, raw.scoreDocs.length); r++) {
          viaRaw.add(idOfDoc[raw.scoreDocs[r].doc]);
        }
        wrapperHits += overlap(truth, viaWrapper);
        rawHits += overlap(truth, viaRaw);
        agreement += overlap(viaWrapper, viaRaw);
      }
    }
    double total = (double) RECALL_QUERIES * k;
    System.err.printf(
        Locale.ROOT,
        "recall@%d at ef=%d over %d queries (vs exact search): wrapper %.4f, rawLucene %.4f;"
            + " same ids in both: %.4f; wrapper on %s storage%n",
        k, ef, RECALL_QUERIES, wrapperHits / total, rawHits / total, agreement / total, storage);
  }

  /** What a user of Lucene does: the one segment's graph, {@code max(k, ef)} candidates. */
  private TopDocs searchLucene(float[] unitQuery) throws IOException {
    TopKnnCollector collector = new TopKnnCollector(candidates, Integer.MAX_VALUE);
    leaf.searchNearestVectors(
        VECTOR_FIELD, unitQuery, collector,
        AcceptDocs.fromLiveDocs(leaf.getLiveDocs(), leaf.maxDoc()));
    return collector.topDocs();
  }

  private static Set<Long> idSet(Neighbors neighbors) {
    Set<Long> s = new HashSet<>();
    for (int i = 0; i < neighbors.size(); i++) {
      s.add(neighbors.id(i));
    }
    return s;
  }

  private static int overlap(Set<Long> a, Set<Long> b) {
    int hits = 0;
    for (Long id : b) {
      if (a.contains(id)) {
        hits++;
      }
    }
    return hits;
  }
}
