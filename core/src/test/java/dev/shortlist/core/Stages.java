package dev.shortlist.core;

import java.util.Arrays;
import java.util.Comparator;
import java.util.function.LongToDoubleFunction;
import java.util.stream.IntStream;

/** Small stages for pipeline tests. */
final class Stages {
  private Stages() {}

  /** A source returning fixed ids with fixed scores. */
  static CandidateSource fixed(String name, long[] ids, float[] scores) {
    return new CandidateSource() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Candidates retrieve(Query query) {
        return Candidates.of(name, ids, scores);
      }
    };
  }

  /** A source returning ids 1..n with score = 1/id. */
  static CandidateSource range(String name, int n) {
    long[] ids = new long[n];
    float[] scores = new float[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i + 1;
      scores[i] = 1f / (i + 1);
    }
    return fixed(name, ids, scores);
  }

  interface Body {
    Candidates run(Query q) throws Exception;
  }

  static CandidateSource source(String name, Body body) {
    return new CandidateSource() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Candidates retrieve(Query query) throws Exception {
        return body.run(query);
      }
    };
  }

  /** A scorer that scores each candidate by a function of its id. */
  static Scorer scoreById(String name, LongToDoubleFunction f) {
    return new Scorer() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public float[] score(Query query, Candidates c) {
        float[] s = new float[c.size()];
        for (int i = 0; i < s.length; i++) {
          s[i] = (float) f.applyAsDouble(c.id(i));
        }
        return s;
      }
    };
  }

  static Scorer returning(String name, java.util.function.IntFunction<float[]> scoresForSize) {
    return new Scorer() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public float[] score(Query query, Candidates c) {
        return scoresForSize.apply(c.size());
      }
    };
  }

  /** Sorts by score, best first, ties by smaller id; truncates. */
  static Selector byScore() {
    return new Selector() {
      @Override
      public String name() {
        return "by-score";
      }

      @Override
      public int[] select(Query query, Candidates c, int size) {
        return IntStream.range(0, c.size())
            .boxed()
            .sorted(
                Comparator.<Integer>comparingDouble(r -> -c.score(r))
                    .thenComparingLong(c::id))
            .limit(size)
            .mapToInt(Integer::intValue)
            .toArray();
      }
    };
  }

  static Selector returningRows(int... rows) {
    return new Selector() {
      @Override
      public String name() {
        return "fixed-rows";
      }

      @Override
      public int[] select(Query query, Candidates c, int size) {
        return Arrays.copyOf(rows, rows.length);
      }
    };
  }
}
