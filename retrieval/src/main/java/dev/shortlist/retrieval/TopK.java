package dev.shortlist.retrieval;

/**
 * The best {@code capacity} (score, id) pairs seen: a binary min-heap whose root is the worst
 * kept pair (lowest score; on equal scores, the larger id). Per call, never shared; not thread-safe.
 */
final class TopK {
  private final float[] scores;
  private final long[] ids;
  private int n;

  TopK(int capacity) {
    scores = new float[capacity];
    ids = new long[capacity];
  }

  /** Whether (score, id) would be kept. */
  boolean accepts(float score, long id) {
    return n < scores.length || better(score, id, scores[0], ids[0]);
  }

  /** Keeps (score, id); only after {@link #accepts} returned true. */
  void add(float score, long id) {
    if (n < scores.length) {
      int i = n++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (!better(scores[parent], ids[parent], score, id)) {
          break;
        }
        scores[i] = scores[parent];
        ids[i] = ids[parent];
        i = parent;
      }
      scores[i] = score;
      ids[i] = id;
    } else {
      siftDown(0, score, id, n);
    }
  }

  private void siftDown(int i, float score, long id, int count) {
    while (true) {
      int child = 2 * i + 1;
      if (child >= count) {
        break;
      }
      int right = child + 1;
      if (right < count && better(scores[child], ids[child], scores[right], ids[right])) {
        child = right;
      }
      if (!better(score, id, scores[child], ids[child])) {
        break;
      }
      scores[i] = scores[child];
      ids[i] = ids[child];
      i = child;
    }
    scores[i] = score;
    ids[i] = id;
  }

  /** The kept pairs, best first; empties the heap. */
  Neighbors drain() {
    int count = n;
    long[] outIds = new long[count];
    float[] outScores = new float[count];
    for (int last = count - 1; last >= 0; last--) {
      outIds[last] = ids[0];
      outScores[last] = scores[0];
      if (last > 0) {
        siftDown(0, scores[last], ids[last], last);
      }
    }
    n = 0;
    return Neighbors.wrap(outIds, outScores);
  }

  private static boolean better(float s1, long id1, float s2, long id2) {
    return s1 > s2 || (s1 == s2 && id1 < id2);
  }
}
