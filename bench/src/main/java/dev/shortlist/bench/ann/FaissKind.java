package dev.shortlist.bench.ann;

import dev.shortlist.retrieval.Metric;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * {@code faiss:<factory>}: a FAISS index described by a factory string (e.g. {@code
 * faiss:IVF1024,Flat}, {@code faiss:HNSW32}). Not available yet: the FAISS binding is not part of
 * this build, so {@link #checkAvailable} refuses every spec; the search parameter is already
 * derived from the factory so option checks behave as they will.
 */
final class FaissKind implements IndexKind {

  private static final String PREFIX = "faiss:";

  @Override
  public String pattern() {
    return "faiss:<factory>";
  }

  @Override
  public String description() {
    return "FAISS, e.g. faiss:IVF1024,Flat (not available yet)";
  }

  @Override
  public boolean accepts(String spec) {
    return spec.startsWith(PREFIX);
  }

  @Override
  public void checkAvailable(String spec) {
    if (spec.length() == PREFIX.length()) {
      throw new IllegalArgumentException(
          "'" + spec + "' needs a factory string after 'faiss:', e.g. faiss:IVF1024,Flat");
    }
    throw new IllegalArgumentException(
        "'" + spec + "': FAISS indexes are not available yet in this build");
  }

  @Override
  public SearchParameter searchParameter(String spec) {
    String factory = spec.substring(PREFIX.length()).toUpperCase(Locale.ROOT);
    if (factory.contains("IVF")) {
      return SearchParameter.NPROBE;
    }
    return factory.contains("HNSW") ? SearchParameter.EF : SearchParameter.NONE;
  }

  @Override
  public boolean usesGraphOptions(String spec) {
    return searchParameter(spec) == SearchParameter.EF;
  }

  @Override
  public BenchIndex build(
      String spec, VectorData base, Metric metric, BuildOptions options, IntConsumer progress) {
    checkAvailable(spec);
    throw new AssertionError("unreachable");
  }
}
