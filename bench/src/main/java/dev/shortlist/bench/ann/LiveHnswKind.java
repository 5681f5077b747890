package dev.shortlist.bench.ann;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import dev.shortlist.retrieval.LiveHnswIndex;
import dev.shortlist.retrieval.Metric;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * {@code live-hnsw}: {@link LiveHnswIndex}, one in-memory HNSW graph updated in place, for
 * catalogues that change while they are searched. Built by inserting the rows one by one,
 * searched with a candidate list of {@code max(k, ef)}; saved as one file.
 */
final class LiveHnswKind implements IndexKind {

  private static final String NAME = "live-hnsw";

  @Override
  public String pattern() {
    return NAME;
  }

  @Override
  public String description() {
    return "Shortlist's HNSW graph updated in place (live writes), float32 vectors; sweeps ef";
  }

  @Override
  public boolean accepts(String spec) {
    return spec.equals(NAME);
  }

  @Override
  public void check(String spec, BuildOptions options, int dimension) {
    options.checkGraph(NAME, 256, dimension, LiveHnswIndex.MAX_DIMENSION);
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
    LiveHnswIndex index =
        LiveHnswIndex.builder(base.dimension(), metric)
            .maxConnections(options.maxConnections())
            .beamWidth(options.beamWidth())
            .maxK(Math.max(LiveHnswIndex.DEFAULT_MAX_K, options.maxK()))
            .build();
    try {
      index.upsertAll(base.rowIds(), base.values(), progress);
    } catch (RuntimeException | Error e) {
      index.close();
      throw e;
    }
    return new Built(index);
  }

  @Override
  public BenchIndex open(String spec, Path path) throws IOException {
    return new Built(LiveHnswIndex.open(path));
  }

  private record Built(LiveHnswIndex index) implements BenchIndex {

    @Override
    public long memoryBytes() {
      return index.ramBytesUsed();
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
