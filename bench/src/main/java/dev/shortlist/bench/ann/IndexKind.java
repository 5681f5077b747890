package dev.shortlist.bench.ann;

import dev.shortlist.retrieval.Metric;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One kind of index {@code shortlist ann} can benchmark, chosen by the value of {@code --index}:
 * how to build it from the base vectors or open a saved one, which search setting to sweep, and
 * whether it can be saved. A new kind plugs in by implementing this and adding an instance to
 * {@link IndexKinds#ALL}; nothing else changes.
 *
 * <p>A {@code spec} is the whole {@code --index} value, e.g. {@code lucene-hnsw} or {@code
 * faiss:IVF1024,Flat}, so a kind may take parameters after a prefix. Implementations are
 * stateless and thread-safe.
 */
interface IndexKind {

  /** What {@code --index} takes, as shown in help and errors: a name, or a prefix and a parameter. */
  String pattern();

  /** One line for the help. */
  String description();

  /** Whether {@code spec} names this kind. */
  boolean accepts(String spec);

  /**
   * Checks that {@code spec} can be used in this build, before any data is loaded.
   *
   * @throws IllegalArgumentException saying why not, e.g. a native library that is missing
   */
  default void checkAvailable(String spec) {}

  /**
   * Checks the build options and the data shape for {@code spec}.
   *
   * @throws IllegalArgumentException naming the option or the value this kind cannot take
   */
  default void check(String spec, BuildOptions options, int dimension) {}

  /** Which setting the benchmark sweeps for {@code spec}. */
  SearchParameter searchParameter(String spec);

  /** Whether {@code --M} and {@code --beam} (HNSW graph construction) apply to {@code spec}. */
  default boolean usesGraphOptions(String spec) {
    return false;
  }

  /** Whether {@link BenchIndex#save} works for this kind (and {@link #open} reads it back). */
  default boolean canSave() {
    return false;
  }

  /**
   * The values of the setting to measure for {@code k}: one 0 when the kind has no setting,
   * else the user's (or default) values, adjusted as the kind needs.
   */
  default List<Integer> settings(String spec, int k, Sweep sweep) {
    return switch (searchParameter(spec)) {
      case NONE -> List.of(0);
      case EF -> sweep.efAtLeast(k);
      case NPROBE -> sweep.nprobe();
    };
  }

  /**
   * Builds an index of {@code base}, row {@code i} under id {@code i}.
   *
   * @param progress receives the number of rows indexed so far, from the calling thread
   */
  BenchIndex build(String spec, VectorData base, Metric metric, BuildOptions options,
      IntConsumer progress);

  /**
   * Opens an index saved by {@link BenchIndex#save}.
   *
   * @throws IOException if {@code path} holds no readable index of this kind
   * @throws UnsupportedOperationException if this kind cannot be saved
   */
  default BenchIndex open(String spec, Path path) throws IOException {
    throw new UnsupportedOperationException(pattern() + " indexes cannot be saved or loaded");
  }

  /**
   * Opens an index saved by {@link BenchIndex#save} (or, for kinds that read foreign files, one
   * written elsewhere), knowing the {@code --metric} it will be searched with: a file may not
   * record everything (FAISS's inner product serves both dot product and cosine). By default
   * {@link #open(String, Path)}.
   *
   * @throws IOException if {@code path} holds no readable index of this kind
   */
  default BenchIndex open(String spec, Path path, Metric metric) throws IOException {
    return open(spec, path);
  }

  /** The setting an index kind's searches take. */
  enum SearchParameter {
    /** No setting (exact search): one measurement per k. */
    NONE,
    /** The HNSW candidate list size. */
    EF,
    /** The number of IVF lists probed. */
    NPROBE;

    /** The name in output and JSON keys ({@code ef}, {@code nprobe}); null for {@link #NONE}. */
    String key() {
      return this == NONE ? null : name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Options for building an index; each kind uses those that apply to it. */
  record BuildOptions(int maxConnections, int beamWidth, int maxK) {

    /**
     * Checks {@code --M} (up to {@code maxM}) and {@code --beam} (up to 3,200) for the HNSW kind
     * {@code name}, and the data's dimension against the kind's {@code maxDimension}.
     *
     * @throws IllegalArgumentException naming the option or the dimension
     */
    void checkGraph(String name, int maxM, int dimension, int maxDimension) {
      if (maxConnections < 2 || maxConnections > maxM) {
        throw new IllegalArgumentException(
            "--M must be in [2, " + maxM + "] for " + name + ", was " + maxConnections);
      }
      if (beamWidth < 1 || beamWidth > 3_200) {
        throw new IllegalArgumentException(
            "--beam must be in [1, 3200] for " + name + ", was " + beamWidth);
      }
      if (dimension > maxDimension) {
        throw new IllegalArgumentException(
            name + " supports dimensions up to " + maxDimension + ", the base has " + dimension);
      }
    }
  }

  /** The values to sweep, as given by {@code --ef} and {@code --nprobe} (or their defaults). */
  record Sweep(List<Integer> ef, List<Integer> nprobe) {
    public Sweep {
      ef = List.copyOf(ef);
      nprobe = List.copyOf(nprobe);
    }

    /** The ef values, each raised to at least {@code k} (HNSW searches max(k, ef) candidates), distinct, ascending. */
    List<Integer> efAtLeast(int k) {
      return ef.stream().map(e -> Math.max(e, k)).distinct().sorted().toList();
    }
  }
}
