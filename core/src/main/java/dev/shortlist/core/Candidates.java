package dev.shortlist.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Candidates as columns: parallel arrays of item ids, retrieval scores, the source that produced
 * each, the current ranking score, and (after feature assembly) a {@link FeatureMatrix}. Row
 * {@code i} of every column describes the same candidate.
 *
 * <p>The ranking hot path is a loop over these primitive columns, never a list of objects per
 * candidate. Until a scorer runs, {@link #score(int)} equals {@link #retrievalScore(int)}.
 *
 * <p>Immutable and thread-safe: every "with" method returns a new instance.
 */
public final class Candidates {

  private static final Candidates EMPTY =
      new Candidates(new long[0], new float[0], new short[0], List.of(), new float[0], null);

  private final long[] ids;
  private final float[] retrievalScores;
  private final short[] sources;
  private final List<String> sourceNames;
  private final float[] scores;
  private final FeatureMatrix features;

  private Candidates(
      long[] ids,
      float[] retrievalScores,
      short[] sources,
      List<String> sourceNames,
      float[] scores,
      FeatureMatrix features) {
    this.ids = ids;
    this.retrievalScores = retrievalScores;
    this.sources = sources;
    this.sourceNames = sourceNames;
    this.scores = scores;
    this.features = features;
  }

  /** No candidates. */
  public static Candidates empty() {
    return EMPTY;
  }

  /**
   * Candidates from one source; arrays are copied.
   *
   * @throws IllegalArgumentException if the arrays differ in length or a score is NaN/infinite
   */
  public static Candidates of(String source, long[] ids, float[] retrievalScores) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(retrievalScores, "retrievalScores");
    if (ids.length != retrievalScores.length) {
      throw new IllegalArgumentException(
          "ids has " + ids.length + " entries, retrievalScores has " + retrievalScores.length);
    }
    Builder b = builder(source, ids.length);
    for (int i = 0; i < ids.length; i++) {
      b.add(ids[i], retrievalScores[i]);
    }
    return b.build();
  }

  /** A builder for candidates from one source. */
  public static Builder builder(String source) {
    return builder(source, 16);
  }

  /** A builder for candidates from one source, sized for {@code expected} rows. */
  public static Builder builder(String source, int expected) {
    return new Builder(source, expected);
  }

  public int size() {
    return ids.length;
  }

  public boolean isEmpty() {
    return ids.length == 0;
  }

  public long id(int row) {
    return ids[row];
  }

  /** The score the candidate source gave (higher is better). */
  public float retrievalScore(int row) {
    return retrievalScores[row];
  }

  /** The current ranking score: the last scorer's, or the retrieval score before scoring. */
  public float score(int row) {
    return scores[row];
  }

  /** The name of the source that produced the candidate (the best-scoring one after merging). */
  public String source(int row) {
    return sourceNames.get(sources[row]);
  }

  /** The index of {@link #source(int)} in {@link #sourceNames()}. */
  public int sourceIndex(int row) {
    return sources[row];
  }

  /** The distinct source names the rows refer to. */
  public List<String> sourceNames() {
    return sourceNames;
  }

  /** The feature matrix, or null before feature assembly. */
  public FeatureMatrix features() {
    return features;
  }

  /** The ids, as a new array. */
  public long[] ids() {
    return ids.clone();
  }

  /** The current scores, as a new array. */
  public float[] scores() {
    return scores.clone();
  }

  /**
   * These candidates with a feature matrix.
   *
   * @throws IllegalArgumentException if the matrix has a different number of rows
   */
  public Candidates withFeatures(FeatureMatrix matrix) {
    Objects.requireNonNull(matrix, "matrix");
    if (matrix.rows() != ids.length) {
      throw new IllegalArgumentException(
          "feature matrix has " + matrix.rows() + " rows, candidates has " + ids.length);
    }
    return new Candidates(ids, retrievalScores, sources, sourceNames, scores, matrix);
  }

  /**
   * These candidates with new ranking scores, one per row in row order; copied.
   *
   * @throws IllegalArgumentException if the length differs from {@link #size()} or a score is
   *     NaN or infinite
   */
  public Candidates withScores(float[] newScores) {
    Objects.requireNonNull(newScores, "newScores");
    String problem = checkScores(newScores);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return withScoresOwned(newScores.clone());
  }

  /** Null when {@code s} is one finite score per row, else what is wrong. */
  String checkScores(float[] s) {
    if (s.length != ids.length) {
      return "returned " + s.length + " scores for " + ids.length + " candidates";
    }
    for (int i = 0; i < s.length; i++) {
      if (!Float.isFinite(s[i])) {
        return "returned score " + s[i] + " for row " + i + " (item " + ids[i] + ")";
      }
    }
    return null;
  }

  Candidates withScoresOwned(float[] newScores) {
    return new Candidates(ids, retrievalScores, sources, sourceNames, newScores, features);
  }

  /** The rows at {@code keep}, in that order. */
  Candidates select(int[] keep) {
    if (keep.length == ids.length) {
      boolean identity = true;
      for (int i = 0; i < keep.length && identity; i++) {
        identity = keep[i] == i;
      }
      if (identity) {
        return this;
      }
    }
    long[] i2 = new long[keep.length];
    float[] r2 = new float[keep.length];
    short[] s2 = new short[keep.length];
    float[] c2 = new float[keep.length];
    for (int i = 0; i < keep.length; i++) {
      int r = keep[i];
      i2[i] = ids[r];
      r2[i] = retrievalScores[r];
      s2[i] = sources[r];
      c2[i] = scores[r];
    }
    FeatureMatrix f2 = features == null ? null : features.selectRows(keep);
    return new Candidates(i2, r2, s2, sourceNames, c2, f2);
  }

  /**
   * Merges candidate lists, keeping each item once, with its best retrieval score and the source
   * that gave it (the earlier list on ties). Rows keep first-seen order. Feature matrices and
   * ranking scores are dropped: merging happens before ranking.
   */
  public static Candidates merge(List<Candidates> parts) {
    int total = 0;
    List<String> names = new ArrayList<>();
    for (Candidates c : parts) {
      total += c.size();
      for (String n : c.sourceNames) {
        if (!names.contains(n)) {
          names.add(n);
        }
      }
    }
    if (names.size() > Short.MAX_VALUE) {
      throw new IllegalArgumentException("too many sources: " + names.size());
    }
    LongIntMap index = new LongIntMap(Math.max(16, total));
    long[] ids = new long[total];
    float[] scores = new float[total];
    short[] sources = new short[total];
    int n = 0;
    for (Candidates c : parts) {
      short[] remap = new short[c.sourceNames.size()];
      for (int s = 0; s < remap.length; s++) {
        remap[s] = (short) names.indexOf(c.sourceNames.get(s));
      }
      for (int i = 0; i < c.size(); i++) {
        long id = c.ids[i];
        float score = c.retrievalScores[i];
        int at = index.putIfAbsent(id, n);
        if (at < 0) {
          ids[n] = id;
          scores[n] = score;
          sources[n] = remap[c.sources[i]];
          n++;
        } else if (score > scores[at]) {
          scores[at] = score;
          sources[at] = remap[c.sources[i]];
        }
      }
    }
    if (n < total) {
      ids = Arrays.copyOf(ids, n);
      scores = Arrays.copyOf(scores, n);
      sources = Arrays.copyOf(sources, n);
    }
    return new Candidates(ids, scores, sources, List.copyOf(names), scores.clone(), null);
  }

  @Override
  public String toString() {
    return "Candidates[" + ids.length + " rows, sources=" + sourceNames
        + (features == null ? "" : ", features=" + features.schema().size()) + "]";
  }

  /**
   * Collects candidates from one source; not thread-safe. Duplicate ids are allowed here and
   * collapsed when sources are merged.
   */
  public static final class Builder {
    private final String source;
    private long[] ids;
    private float[] scores;
    private int n;

    private Builder(String source, int expected) {
      Objects.requireNonNull(source, "source");
      if (source.isBlank()) {
        throw new IllegalArgumentException("source must not be blank, was '" + source + "'");
      }
      if (expected < 0) {
        throw new IllegalArgumentException("expected must not be negative, was " + expected);
      }
      this.source = source;
      this.ids = new long[Math.max(expected, 1)];
      this.scores = new float[ids.length];
    }

    /**
     * Adds a candidate.
     *
     * @throws IllegalArgumentException if {@code retrievalScore} is NaN or infinite
     */
    public Builder add(long id, float retrievalScore) {
      if (!Float.isFinite(retrievalScore)) {
        throw new IllegalArgumentException(
            "retrievalScore must be finite, was " + retrievalScore + " for item " + id);
      }
      if (n == ids.length) {
        ids = Arrays.copyOf(ids, n * 2);
        scores = Arrays.copyOf(scores, n * 2);
      }
      ids[n] = id;
      scores[n] = retrievalScore;
      n++;
      return this;
    }

    public int size() {
      return n;
    }

    public Candidates build() {
      if (n == 0) {
        return EMPTY;
      }
      long[] i2 = Arrays.copyOf(ids, n);
      float[] s2 = Arrays.copyOf(scores, n);
      return new Candidates(i2, s2, new short[n], List.of(source), s2.clone(), null);
    }
  }
}
