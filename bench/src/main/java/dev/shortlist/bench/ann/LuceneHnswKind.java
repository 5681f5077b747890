package dev.shortlist.bench.ann;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import dev.shortlist.retrieval.LuceneHnswIndex;
import dev.shortlist.retrieval.LuceneHnswIndex.Quantization;
import dev.shortlist.retrieval.Metric;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * {@code lucene-hnsw[-int8|-int4|-bin]}: {@link LuceneHnswIndex} in memory, with float or
 * quantized vectors. Built in bulk and merged into one segment (the merge counts as build time),
 * searched with a candidate list of {@code max(k, ef)}.
 */
final class LuceneHnswKind implements IndexKind {

  /** LuceneHnswIndex's limits. */
  private static final int MAX_DIMENSION = 4_096;

  private final String name;
  private final Quantization quantization;
  private final String vectors;

  LuceneHnswKind(String name, Quantization quantization, String vectors) {
    this.name = name;
    this.quantization = quantization;
    this.vectors = vectors;
  }

  @Override
  public String pattern() {
    return name;
  }

  @Override
  public String description() {
    return "Lucene HNSW, " + vectors
        + (quantization == Quantization.NONE ? "" : ", float rescoring") + "; sweeps ef";
  }

  @Override
  public boolean accepts(String spec) {
    return spec.equals(name);
  }

  @Override
  public void check(String spec, BuildOptions options, int dimension) {
    options.checkGraph(name, 512, dimension, MAX_DIMENSION);
  }

  @Override
  public SearchParameter searchParameter(String spec) {
    return SearchParameter.EF;
  }

  @Override
  public boolean usesGraphOptions(String spec) {
    return true;
  }

  @Override
  public boolean canSave() {
    return true;
  }

  @Override
  public BenchIndex build(
      String spec, VectorData base, Metric metric, BuildOptions options, IntConsumer progress) {
    LuceneHnswIndex index =
        LuceneHnswIndex.builder(base.dimension(), metric)
            .maxConnections(options.maxConnections())
            .beamWidth(options.beamWidth())
            .quantization(quantization)
            .maxK(Math.max(LuceneHnswIndex.DEFAULT_MAX_K, options.maxK()))
            .build();
    try {
      index.upsertAll(base.rowIds(), base.values(), progress);
      if (index.segmentCount() > 1) {
        index.forceMerge();
      }
    } catch (RuntimeException | Error e) {
      index.close();
      throw e;
    }
    return new Built(index);
  }

  @Override
  public BenchIndex open(String spec, Path path) throws IOException {
    LuceneHnswIndex index = LuceneHnswIndex.open(path);
    if (index.quantization() != quantization) {
      Quantization saved = index.quantization();
      index.close();
      throw new IOException(
          path + " holds an index with quantization " + saved + ", not " + quantization
              + " as " + name + " needs");
    }
    return new Built(index);
  }

  private record Built(LuceneHnswIndex index) implements BenchIndex {

    @Override
    public long memoryBytes() {
      return index.ramBytesUsed();
    }

    @Override
    public String details() {
      int segments = index.segmentCount();
      return segments + (segments == 1 ? " segment" : " segments");
    }

    @Override
    public Searcher searcher(int k, int ef) {
      return query -> index.search(query, k, ef, IdSet.empty(), Deadline.none());
    }

    @Override
    public void save(Path path) throws IOException {
      index.save(path);
    }
  }
}
