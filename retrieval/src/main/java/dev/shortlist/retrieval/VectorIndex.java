package dev.shortlist.retrieval;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;

/**
 * A mutable set of {@code (id, vector)} pairs searchable by nearest neighbours: the one contract
 * every retrieval engine (exact, Lucene HNSW, FAISS) implements and the contract test kit checks.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>every vector has {@link #dimension()} finite components; a wrong length, a NaN or an
 *       infinity is refused with {@link IllegalArgumentException} naming the id and the problem,
 *       and leaves the index unchanged (for {@link Metric#COSINE}, so is a zero vector);
 *   <li>{@link #upsert} adds or replaces; {@link #remove} deletes; both are visible to searches
 *       that start after they return, unless an implementation documents otherwise;
 *   <li>{@link #search} returns at most {@code k} distinct ids, best first by {@link #metric()}'s
 *       score, never an excluded id, and {@code k} results whenever {@code k} eligible vectors
 *       exist (approximate indexes may return different neighbours, never fewer);
 *   <li>a search that passes its deadline throws
 *       {@link dev.shortlist.core.DeadlineExceededException}.
 * </ul>
 *
 * <p>Implementations state their thread-safety; all of Shortlist's allow concurrent searches
 * while writes happen.
 */
public interface VectorIndex extends AutoCloseable {

  /**
   * Adds {@code vector} under {@code id}, replacing any vector the id had. The array is copied.
   *
   * @throws IllegalArgumentException on a wrong dimension or a non-finite component
   */
  void upsert(long id, float[] vector);

  /** Removes {@code id}; returns whether it was present. */
  boolean remove(long id);

  /**
   * The {@code k} vectors closest to {@code query} whose ids are not in {@code exclusions}, best
   * first.
   *
   * @throws IllegalArgumentException if {@code k <= 0} or {@code query} is malformed
   * @throws dev.shortlist.core.DeadlineExceededException if {@code deadline} passes
   */
  Neighbors search(float[] query, int k, IdSet exclusions, Deadline deadline);

  /** {@link #search(float[], int, IdSet, Deadline)} with no exclusions and no deadline. */
  default Neighbors search(float[] query, int k) {
    return search(query, k, IdSet.empty(), Deadline.none());
  }

  /**
   * A copy of the vector stored under {@code id} (as stored: unit length for {@link
   * Metric#COSINE}), or null when the id is absent. Item-to-item retrieval uses it to search from
   * an item.
   *
   * @throws UnsupportedOperationException if this index does not keep the vectors it was given
   */
  float[] vector(long id);

  /** Number of vectors. */
  int size();

  /** Number of components of every vector. */
  int dimension();

  Metric metric();

  /** Releases resources (native memory, files). The default does nothing. */
  @Override
  default void close() {}
}
