package dev.shortlist.retrieval;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;

/** Shared set-up of the FAISS tests: the skip when the native library is absent, seeded data. */
final class FaissTesting {

  private FaissTesting() {}

  /** Skips the calling test (class) with the loader's message when the library is absent. */
  static void assumeNativeLibrary() {
    Assumptions.assumeTrue(FaissIndex.isAvailable(),
        () -> "FAISS tests skipped: " + FaissIndex.unavailableReason());
  }

  /** {@code rows} gaussian rows of {@code dimension}, flat. */
  static float[] gaussianRows(Random random, int rows, int dimension) {
    float[] out = new float[rows * dimension];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) random.nextGaussian();
    }
    return out;
  }

  static float[] row(float[] flat, int i, int dimension) {
    float[] out = new float[dimension];
    System.arraycopy(flat, i * dimension, out, 0, dimension);
    return out;
  }

  /** An empty {@code factory} index, trained on seeded gaussian rows when it needs training. */
  static FaissIndex trained(String factory, int dimension, Metric metric, int nprobe, long seed) {
    FaissIndex index =
        FaissIndex.builder(dimension, metric).factory(factory).nprobe(nprobe).build();
    if (!index.isTrained()) {
      index.train(gaussianRows(new Random(seed), 40 * 16, dimension));
    }
    return index;
  }
}
