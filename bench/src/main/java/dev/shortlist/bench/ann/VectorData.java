package dev.shortlist.bench.ann;

import dev.shortlist.bench.cli.Progress;
import dev.shortlist.retrieval.VectorFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Vectors loaded from a file into one flat array, row after row. Not copied on access: treat
 * {@link #values()} as read-only.
 */
record VectorData(Path file, float[] values, int rows, int dimension) {

  private static final int MAX_VALUES = Integer.MAX_VALUE - 8;
  private static final int BLOCK_ROWS = 8_192;

  /**
   * Reads a float32 vector file, showing progress on {@code out} for large files.
   *
   * @throws IllegalArgumentException if the file holds more values than one array can
   * @throws IOException if the file is unreadable or malformed
   */
  static VectorData load(Path file, PrintWriter out) throws IOException {
    try (VectorFiles.Reader r = VectorFiles.open(file)) {
      if (r.type() != VectorFiles.ElementType.FLOAT32) {
        throw new IOException(file + " holds int32 values; expected float32 vectors");
      }
      long total = r.rows() * r.dimension();
      if (total > MAX_VALUES) {
        throw new IllegalArgumentException(
            file + " holds " + r.rows() + " × " + r.dimension() + " values, more than fit in memory"
                + " as one array (2^31)");
      }
      int rows = (int) r.rows();
      int dim = r.dimension();
      float[] values = new float[(int) total];
      Progress p = total > 50_000_000 ? new Progress("reading " + file.getFileName(), rows, out) : null;
      int done = 0;
      while (done < rows) {
        done += r.read(values, done * dim, Math.min(BLOCK_ROWS, rows - done));
        if (p != null) {
          p.update(done);
        }
      }
      if (p != null) {
        p.done();
      }
      return new VectorData(file, values, rows, dim);
    }
  }

  /** Row {@code i} as a new array. */
  float[] row(int i) {
    return Arrays.copyOfRange(values, i * dimension, (i + 1) * dimension);
  }

  /** Every row as its own array. */
  float[][] rowArrays() {
    float[][] out = new float[rows][];
    for (int i = 0; i < rows; i++) {
      out[i] = row(i);
    }
    return out;
  }

  /** The ids the benchmark gives the rows: {@code 0 .. rows - 1}. */
  long[] rowIds() {
    return java.util.stream.LongStream.range(0, rows).toArray();
  }
}
