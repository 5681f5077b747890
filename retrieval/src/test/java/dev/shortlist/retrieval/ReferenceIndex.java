package dev.shortlist.retrieval;

import dev.shortlist.core.IdSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The obviously correct nearest-neighbour search the contract tests compare against: every
 * score computed in double precision straight from the {@link Metric} definition, a full sort,
 * ties by smaller id.
 */
final class ReferenceIndex {

  record Hit(long id, double score) {}

  private final Metric metric;
  private final Map<Long, float[]> vectors = new TreeMap<>();

  ReferenceIndex(Metric metric) {
    this.metric = metric;
  }

  void upsert(long id, float[] vector) {
    vectors.put(id, vector.clone());
  }

  boolean remove(long id) {
    return vectors.remove(id) != null;
  }

  int size() {
    return vectors.size();
  }

  Map<Long, float[]> vectors() {
    return vectors;
  }

  double score(float[] query, long id) {
    float[] v = vectors.get(id);
    if (v == null) {
      throw new AssertionError("reference has no id " + id);
    }
    return score(metric, query, v);
  }

  static double score(Metric metric, float[] a, float[] b) {
    double dot = 0;
    double aa = 0;
    double bb = 0;
    double sq = 0;
    for (int i = 0; i < a.length; i++) {
      double x = a[i];
      double y = b[i];
      dot += x * y;
      aa += x * x;
      bb += y * y;
      sq += (x - y) * (x - y);
    }
    return switch (metric) {
      case COSINE -> dot / (Math.sqrt(aa) * Math.sqrt(bb));
      case DOT -> dot;
      case L2 -> -sq;
    };
  }

  List<Hit> search(float[] query, int k, IdSet exclusions) {
    List<Hit> all = new ArrayList<>(vectors.size());
    for (Map.Entry<Long, float[]> e : vectors.entrySet()) {
      if (!exclusions.contains(e.getKey())) {
        all.add(new Hit(e.getKey(), score(metric, query, e.getValue())));
      }
    }
    all.sort(Comparator.comparingDouble(Hit::score).reversed().thenComparingLong(Hit::id));
    return all.subList(0, Math.min(k, all.size()));
  }
}
