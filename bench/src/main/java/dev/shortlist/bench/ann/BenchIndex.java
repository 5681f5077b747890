package dev.shortlist.bench.ann;

import dev.shortlist.retrieval.Metric;
import dev.shortlist.retrieval.VectorIndex;
import dev.shortlist.retrieval.Neighbors;
import java.io.IOException;
import java.nio.file.Path;

/**
 * An index built or opened by an {@link IndexKind}, as the benchmark sees it. Thread-safe for
 * searches; {@link #save} and {@link #close} are called from one thread when no search runs.
 */
interface BenchIndex extends AutoCloseable {

  /** The index being benchmarked. */
  VectorIndex index();

  /** Number of vectors indexed. */
  default int size() {
    return index().size();
  }

  /** Components per vector. */
  default int dimension() {
    return index().dimension();
  }

  /** How vectors are compared. */
  default Metric metric() {
    return index().metric();
  }

  /** Estimated bytes the index holds (vectors, graph, ids). */
  long memoryBytes();

  /** One line on the built index, e.g. its segment count; empty when there is nothing to say. */
  default String details() {
    return "";
  }

  /**
   * A searcher returning the {@code k} nearest ids, best first, with {@code setting} (an ef or an
   * nprobe, ignored by kinds without a setting). Thread-safe.
   */
  Searcher searcher(int k, int setting);

  /**
   * Writes the index to {@code path}, for {@link IndexKind#open}.
   *
   * @throws UnsupportedOperationException if the kind cannot be saved
   */
  default void save(Path path) throws IOException {
    throw new UnsupportedOperationException("this index cannot be saved");
  }

  @Override
  default void close() {
    index().close();
  }

  /** One search with fixed k and setting. Thread-safe. */
  @FunctionalInterface
  interface Searcher {
    Neighbors search(float[] query);
  }
}
