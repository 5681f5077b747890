package dev.shortlist.core.eval;

import java.util.Objects;
import java.util.Set;

/**
 * Offline ranking metrics of one ranked list against a user's relevant (held-out) items, with
 * binary relevance. Positions are 1-based in the formulas; only the first {@code k} entries of
 * the list count, and a list shorter than {@code k} is scored as it is (missing entries are
 * misses). Every metric is in [0, 1]; all are 0 when there are no relevant items.
 *
 * <p>Stateless and thread-safe.
 */
public final class RankingMetrics {

  private RankingMetrics() {}

  /**
   * Normalised discounted cumulative gain at {@code k}: {@code DCG@k / IDCG@k}, where
   * {@code DCG@k = Σ_{i ≤ k, item i relevant} 1 / log2(i + 1)} and {@code IDCG@k} is the DCG of
   * an ideal list (all {@code min(k, |R|)} relevant items first).
   */
  public static double ndcg(long[] ranked, Set<Long> relevant, int k) {
    check(ranked, relevant, k);
    int n = Math.min(k, ranked.length);
    double dcg = 0;
    for (int i = 0; i < n; i++) {
      if (relevant.contains(ranked[i])) {
        dcg += 1 / log2(i + 2);
      }
    }
    double ideal = 0;
    for (int i = 0; i < Math.min(k, relevant.size()); i++) {
      ideal += 1 / log2(i + 2);
    }
    return ideal == 0 ? 0 : dcg / ideal;
  }

  /**
   * Average precision at {@code k}: {@code (1 / min(k, |R|)) Σ_{i ≤ k, item i relevant} P@i},
   * where {@code P@i} is the fraction of relevant items among the first {@code i}. Its mean over
   * users is MAP@k.
   */
  public static double averagePrecision(long[] ranked, Set<Long> relevant, int k) {
    check(ranked, relevant, k);
    int n = Math.min(k, ranked.length);
    int hits = 0;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      if (relevant.contains(ranked[i])) {
        hits++;
        sum += (double) hits / (i + 1);
      }
    }
    int denominator = Math.min(k, relevant.size());
    return denominator == 0 ? 0 : sum / denominator;
  }

  /** Recall at {@code k}: the fraction of relevant items among the first {@code k} of the list. */
  public static double recall(long[] ranked, Set<Long> relevant, int k) {
    check(ranked, relevant, k);
    if (relevant.isEmpty()) {
      return 0;
    }
    int n = Math.min(k, ranked.length);
    int hits = 0;
    for (int i = 0; i < n; i++) {
      if (relevant.contains(ranked[i])) {
        hits++;
      }
    }
    return (double) hits / relevant.size();
  }

  /**
   * Catalogue coverage: the fraction of the catalogue's {@code catalogueSize} items that appear in
   * at least one user's top-{@code k} list, {@code |∪_u top-k(u)| / catalogueSize}.
   *
   * @param recommended the distinct items recommended in some top-k list
   * @throws IllegalArgumentException if {@code catalogueSize} is not positive
   */
  public static double coverage(Set<Long> recommended, int catalogueSize) {
    Objects.requireNonNull(recommended, "recommended");
    if (catalogueSize <= 0) {
      throw new IllegalArgumentException("catalogueSize must be positive, was " + catalogueSize);
    }
    return Math.min(1.0, (double) recommended.size() / catalogueSize);
  }

  private static double log2(int x) {
    return Math.log(x) / Math.log(2);
  }

  private static void check(long[] ranked, Set<Long> relevant, int k) {
    Objects.requireNonNull(ranked, "ranked");
    Objects.requireNonNull(relevant, "relevant");
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, was " + k);
    }
  }
}
