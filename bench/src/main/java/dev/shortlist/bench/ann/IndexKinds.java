package dev.shortlist.bench.ann;

import dev.shortlist.retrieval.LuceneHnswIndex.Quantization;
import java.util.List;
import java.util.stream.Collectors;

/** The index kinds {@code shortlist ann} knows: the one place a new kind is registered. */
final class IndexKinds {

  static final List<IndexKind> ALL =
      List.of(
          new ExactKind(),
          new LuceneHnswKind("lucene-hnsw", Quantization.NONE, "float32 vectors"),
          new LuceneHnswKind("lucene-hnsw-int8", Quantization.INT8, "int8 quantized"),
          new LuceneHnswKind("lucene-hnsw-int4", Quantization.INT4, "int4 quantized"),
          new LuceneHnswKind("lucene-hnsw-bin", Quantization.BINARY, "1-bit quantized"),
          new LiveHnswKind(),
          new FaissKind());

  private IndexKinds() {}

  /**
   * The kind {@code spec} names.
   *
   * @throws IllegalArgumentException naming the value and the known kinds
   */
  static IndexKind find(String spec) {
    for (IndexKind kind : ALL) {
      if (kind.accepts(spec)) {
        return kind;
      }
    }
    throw new IllegalArgumentException(
        "unknown index kind '" + spec + "'; known: " + patterns());
  }

  /** The patterns of every kind, comma-separated. */
  static String patterns() {
    return ALL.stream().map(IndexKind::pattern).collect(Collectors.joining(", "));
  }
}
