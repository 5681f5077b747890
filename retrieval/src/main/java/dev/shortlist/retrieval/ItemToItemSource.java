package dev.shortlist.retrieval;

import dev.shortlist.core.CandidateSource;
import dev.shortlist.core.Candidates;
import dev.shortlist.core.IdSet;
import dev.shortlist.core.Interaction;
import dev.shortlist.core.Query;
import java.util.List;
import java.util.Objects;

/**
 * A {@link CandidateSource} of items similar to what the user just did: for each of the user's
 * {@code seeds} most recent distinct items, the {@code k} nearest items in a {@link VectorIndex},
 * merged so that each item appears once with its best score. The seeds themselves and {@link
 * Query#exclusions()} are excluded inside the searches. A seed's score can be discounted by
 * recency: the {@code i}-th most recent seed's neighbours score {@code similarity × decay^i}.
 *
 * <p>A user with no activity, or whose items are not in the index, yields no candidates.
 *
 * <p>Immutable; thread-safe as long as the index is (all of Shortlist's are).
 */
public final class ItemToItemSource implements CandidateSource {

  private final String name;
  private final VectorIndex index;
  private final int seeds;
  private final int k;
  private final double decay;

  private ItemToItemSource(Builder b) {
    this.name = b.name;
    this.index = b.index;
    this.seeds = b.seeds;
    this.k = b.k;
    this.decay = b.decay;
  }

  /**
   * Starts a source named {@code name} over {@code index}: 3 seeds, 100 neighbours each, no
   * decay.
   */
  public static Builder builder(String name, VectorIndex index) {
    return new Builder(name, index);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Candidates retrieve(Query query) {
    List<Interaction> recent = query.activity().recent();
    long[] seedIds = new long[Math.min(seeds, recent.size())];
    int n = 0;
    for (int i = 0; i < recent.size() && n < seedIds.length; i++) {
      long item = recent.get(i).itemId();
      boolean repeated = false;
      for (int j = 0; j < n && !repeated; j++) {
        repeated = seedIds[j] == item;
      }
      if (!repeated) {
        seedIds[n++] = item;
      }
    }
    if (n == 0) {
      return Candidates.empty();
    }
    IdSet excluded = query.exclusions().union(IdSet.of(java.util.Arrays.copyOf(seedIds, n)));
    LongIntHashMap rowOf = new LongIntHashMap(n * k);
    long[] ids = new long[n * k];
    float[] scores = new float[n * k];
    int rows = 0;
    double weight = 1;
    for (int s = 0; s < n; s++, weight *= decay) {
      float[] v = index.vector(seedIds[s]);
      if (v == null) {
        continue;
      }
      Neighbors nn = index.search(v, k, excluded, query.deadline());
      for (int i = 0; i < nn.size(); i++) {
        float score = EmbeddingSource.clamp((float) (nn.score(i) * weight));
        int row = rowOf.get(nn.id(i));
        if (row < 0) {
          rowOf.put(nn.id(i), rows);
          ids[rows] = nn.id(i);
          scores[rows++] = score;
        } else if (score > scores[row]) {
          scores[row] = score;
        }
      }
    }
    Candidates.Builder out = Candidates.builder(name, rows);
    for (int i = 0; i < rows; i++) {
      out.add(ids[i], scores[i]);
    }
    return out.build();
  }

  @Override
  public String toString() {
    return "ItemToItemSource[" + name + ", seeds=" + seeds + ", k=" + k + ", decay=" + decay + ", "
        + index + "]";
  }

  /** Configures an {@link ItemToItemSource}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final VectorIndex index;
    private int seeds = 3;
    private int k = 100;
    private double decay = 1.0;

    private Builder(String name, VectorIndex index) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(index, "index");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, was '" + name + "'");
      }
      this.name = name;
      this.index = index;
    }

    /** How many of the most recent distinct items to search from (1..100). */
    public Builder seeds(int seeds) {
      if (seeds < 1 || seeds > 100) {
        throw new IllegalArgumentException("seeds must be in [1, 100], was " + seeds);
      }
      this.seeds = seeds;
      return this;
    }

    /** Neighbours per seed (1..10,000). */
    public Builder k(int k) {
      if (k < 1 || k > 10_000) {
        throw new IllegalArgumentException("k must be in [1, 10000], was " + k);
      }
      this.k = k;
      return this;
    }

    /** Weight of the i-th most recent seed's neighbours: decay^i, decay in (0, 1]. */
    public Builder decay(double decay) {
      if (!(decay > 0 && decay <= 1)) {
        throw new IllegalArgumentException("decay must be in (0, 1], was " + decay);
      }
      this.decay = decay;
      return this;
    }

    public ItemToItemSource build() {
      return new ItemToItemSource(this);
    }
  }
}
