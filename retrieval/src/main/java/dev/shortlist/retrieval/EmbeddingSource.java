package dev.shortlist.retrieval;

import dev.shortlist.core.CandidateSource;
import dev.shortlist.core.Candidates;
import dev.shortlist.core.Query;
import dev.shortlist.core.QueryKey;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link CandidateSource} that searches a {@link VectorIndex} with an embedding the query
 * carries (by default the user's, {@link QueryKey#USER_EMBEDDING}): the {@code k} nearest items
 * not in {@link Query#exclusions()}, under {@link Query#deadline()}, with the index's scores as
 * retrieval scores, best first.
 *
 * <p>A query without the embedding yields no candidates. An embedding the index refuses (wrong
 * dimension, non-finite component) is a fault of whatever produced it, not of the caller, and is
 * reported as {@link IllegalStateException}. Scores beyond the float range are clamped to
 * {@code ±Float.MAX_VALUE}.
 *
 * <p>Immutable; thread-safe as long as the index is (all of Shortlist's are).
 */
public final class EmbeddingSource implements CandidateSource {

  /** The default number of candidates: 500. */
  public static final int DEFAULT_K = 500;

  /** The largest supported number of candidates. */
  public static final int MAX_K = 100_000;

  private final String name;
  private final VectorIndex index;
  private final int k;
  private final QueryKey<float[]> embeddingKey;

  private EmbeddingSource(Builder b) {
    this.name = b.name;
    this.index = b.index;
    this.k = b.k;
    this.embeddingKey = b.embeddingKey;
  }

  /**
   * Starts a source named {@code name} over {@code index}, retrieving {@value #DEFAULT_K}
   * candidates by {@link QueryKey#USER_EMBEDDING}.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static Builder builder(String name, VectorIndex index) {
    return new Builder(name, index);
  }

  @Override
  public String name() {
    return name;
  }

  /** The index searched. */
  public VectorIndex index() {
    return index;
  }

  /** How many candidates a query retrieves at most. */
  public int k() {
    return k;
  }

  /** The query value searched with. */
  public QueryKey<float[]> embeddingKey() {
    return embeddingKey;
  }

  /**
   * The nearest items to the query's embedding, best first; empty when the query has none.
   *
   * @throws IllegalStateException if the index refuses the embedding
   * @throws dev.shortlist.core.DeadlineExceededException if the query's deadline passes
   */
  @Override
  public Candidates retrieve(Query query) {
    Optional<float[]> embedding = query.get(embeddingKey);
    if (embedding.isEmpty()) {
      return Candidates.empty();
    }
    Neighbors neighbors;
    try {
      neighbors = index.search(embedding.get(), k, query.exclusions(), query.deadline());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "source '" + name + "': index refused the " + embeddingKey.name() + ": "
              + e.getMessage(),
          e);
    }
    Candidates.Builder out = Candidates.builder(name, neighbors.size());
    for (int i = 0; i < neighbors.size(); i++) {
      out.add(neighbors.id(i), clamp(neighbors.score(i)));
    }
    return out.build();
  }

  /** A score within the float range, as {@link Candidates} requires (±infinity clamped). */
  static float clamp(float score) {
    if (Float.isFinite(score)) {
      return score;
    }
    return score > 0 ? Float.MAX_VALUE : -Float.MAX_VALUE;
  }

  @Override
  public String toString() {
    return "EmbeddingSource[" + name + ", k=" + k + ", " + embeddingKey.name() + ", " + index + "]";
  }

  /** Configures an {@link EmbeddingSource}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final VectorIndex index;
    private int k = DEFAULT_K;
    private QueryKey<float[]> embeddingKey = QueryKey.USER_EMBEDDING;

    private Builder(String name, VectorIndex index) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(index, "index");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
      this.index = index;
    }

    /**
     * How many candidates to retrieve.
     *
     * @throws IllegalArgumentException if {@code k} is not in [1, {@value #MAX_K}]
     */
    public Builder k(int k) {
      if (k < 1 || k > MAX_K) {
        throw new IllegalArgumentException("k must be in [1, " + MAX_K + "], was " + k);
      }
      this.k = k;
      return this;
    }

    /** Which query value holds the embedding to search with. */
    public Builder embeddingKey(QueryKey<float[]> embeddingKey) {
      this.embeddingKey = Objects.requireNonNull(embeddingKey, "embeddingKey");
      return this;
    }

    public EmbeddingSource build() {
      return new EmbeddingSource(this);
    }
  }
}
