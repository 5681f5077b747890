package dev.shortlist.retrieval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The JNI entry points of {@code libshortlist_faiss.so} (built from {@code src/main/native} by
 * the Maven build when the FAISS headers and a C++ compiler are present) and their loading.
 *
 * <p>The library is looked up, in order, at the path in the system property {@value
 * #LIBRARY_PROPERTY}, then as the jar resource {@value #RESOURCE}, which is copied to a temporary
 * file and loaded from there. A failure is remembered: {@link #check()} throws it with what to
 * install. Every entry point translates C++ exceptions into Java exceptions ({@link
 * IllegalStateException}, {@link IllegalArgumentException} for a factory string FAISS rejects,
 * {@link OutOfMemoryError}); handles are owned by {@link FaissIndex}, which serialises writes.
 */
final class FaissNative {

  /** A system property naming a library file to load instead of the jar's. */
  static final String LIBRARY_PROPERTY = "shortlist.faiss.library";

  static final String RESOURCE = "/native/linux-x86_64/libshortlist_faiss.so";

  /** What to do when the library is missing, for error messages. */
  static final String INSTALL_HINT =
      "install the FAISS development files and a C++ compiler (Debian/Ubuntu: apt-get install g++"
          + " libfaiss-dev libopenblas-dev) and rebuild Shortlist (./mvnw verify), which then"
          + " compiles libshortlist_faiss.so into the shortlist-retrieval jar";

  static final int FLAG_TRAINED = 1;
  static final int FLAG_INNER_PRODUCT = 2;
  static final int FLAG_IVF = 4;
  static final int FLAG_HNSW = 8;
  static final int FLAG_CAN_REMOVE = 16;
  static final int FLAG_EXACT_VECTORS = 32;
  static final int FLAG_ID_MAP = 64;

  private static final String PROBLEM = load();

  private FaissNative() {}

  /** Null when the library is loaded, else why not and what to install. */
  static String problem() {
    return PROBLEM;
  }

  /**
   * Returns normally when the library is loaded.
   *
   * @throws IllegalStateException saying why it is not and what to install
   */
  static void check() {
    if (PROBLEM != null) {
      throw new IllegalStateException(PROBLEM);
    }
  }

  private static String load() {
    return load(
        System.getProperty(LIBRARY_PROPERTY),
        System.getProperty("os.name", ""),
        System.getProperty("os.arch", ""),
        () -> FaissNative.class.getResourceAsStream(RESOURCE));
  }

  /** The jar resource holding the library, or null when it is not there. */
  @FunctionalInterface
  interface Resource {
    InputStream open() throws IOException;
  }

  /**
   * Loads the library from {@code explicit} (a file) if set, else from {@code resource} on
   * linux-x86_64; returns null when loaded, else why not and what to install.
   */
  static String load(String explicit, String osName, String osArch, Resource resource) {
    String os = osName.toLowerCase(Locale.ROOT);
    String arch = osArch.toLowerCase(Locale.ROOT);
    try {
      if (explicit != null && !explicit.isBlank()) {
        System.load(Path.of(explicit).toAbsolutePath().toString());
        return null;
      }
      if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
        return "the FAISS native library is built for linux-x86_64 only; this JVM runs on " + osName
            + "/" + osArch;
      }
      try (InputStream in = resource.open()) {
        if (in == null) {
          return "the FAISS native library is not in this build (no " + RESOURCE.substring(1)
              + " in the shortlist-retrieval jar): " + INSTALL_HINT;
        }
        Path file = Files.createTempFile("libshortlist_faiss", ".so");
        file.toFile().deleteOnExit();
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        System.load(file.toAbsolutePath().toString());
      }
      return null;
    } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
      return "the FAISS native library could not be loaded ("
          + (explicit != null && !explicit.isBlank() ? LIBRARY_PROPERTY + "=" + explicit + ": " : "")
          + e.getMessage() + "); it needs libopenblas and libgomp at run time: " + INSTALL_HINT;
    }
  }

  static native long create(int dimension, String factory, boolean innerProduct);

  static native long read(String path);

  static native void write(long handle, String path);

  static native void free(long handle);

  static native int dimension(long handle);

  static native long size(long handle);

  static native int flags(long handle);

  static native int metricType(long handle);

  static native int nlist(long handle);

  static native int defaultEfSearch(long handle);

  static native int defaultNprobe(long handle);

  static native void setEfConstruction(long handle, int efConstruction);

  static native void setEfSearch(long handle, int efSearch);

  static native void setNprobe(long handle, int nprobe);

  static native long memoryBytes(long handle);

  static native void train(long handle, float[] flatVectors, int rows, int threads);

  static native void add(long handle, long[] ids, float[] flatVectors, int threads);

  static native long remove(long handle, long[] ids);

  static native boolean contains(long handle, long id);

  static native boolean reconstruct(long handle, long id, float[] out);

  static native int search(
      long handle, float[] query, int k, int efSearch, int nprobe, long[] excludedSorted,
      long[] outIds, float[] outDistances);
}
