package dev.shortlist.bench.ann;

import dev.shortlist.retrieval.ExactIndex;
import dev.shortlist.retrieval.Metric;
import java.util.function.IntConsumer;

/** {@code exact}: {@link ExactIndex}, brute force; the baseline every ANN index is compared with. */
final class ExactKind implements IndexKind {

  @Override
  public String pattern() {
    return "exact";
  }

  @Override
  public String description() {
    return "brute force, SIMD with the Vector API: the baseline, recall 1";
  }

  @Override
  public boolean accepts(String spec) {
    return spec.equals("exact");
  }

  @Override
  public void check(String spec, BuildOptions options, int dimension) {
    if (dimension > ExactIndex.MAX_DIMENSION) {
      throw new IllegalArgumentException(
          "exact supports dimensions up to " + ExactIndex.MAX_DIMENSION + ", the base has " + dimension);
    }
  }

  @Override
  public SearchParameter searchParameter(String spec) {
    return SearchParameter.NONE;
  }

  @Override
  public BenchIndex build(
      String spec, VectorData base, Metric metric, BuildOptions options, IntConsumer progress) {
    ExactIndex index = ExactIndex.create(base.dimension(), metric);
    float[] row = new float[base.dimension()];
    for (int i = 0; i < base.rows(); i++) {
      System.arraycopy(base.values(), i * base.dimension(), row, 0, base.dimension());
      index.upsert(i, row);
      if ((i & 4095) == 4095) {
        progress.accept(i + 1);
      }
    }
    progress.accept(base.rows());
    return new BenchIndex() {
      @Override
      public ExactIndex index() {
        return index;
      }

      @Override
      public long memoryBytes() {
        // ExactIndex's documented footprint: the vector, its id and its slot.
        return (long) index.size() * (4L * index.dimension() + 24);
      }

      @Override
      public Searcher searcher(int k, int setting) {
        return query -> index.search(query, k);
      }
    };
  }
}
