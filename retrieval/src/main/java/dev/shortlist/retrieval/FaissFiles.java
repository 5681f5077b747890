package dev.shortlist.retrieval;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Checks of a FAISS index file made in Java before its bytes reach FAISS's C++ reader: the file
 * exists and is long enough, starts with a FAISS index tag, and its header (dimension, item
 * count, the two constant fields every FAISS writer puts there, training flag, metric) is sane
 * and fits the file's length.
 *
 * <p>FAISS writes every float index as a four-character tag followed by the same header: {@code
 * int32 d, int64 ntotal, int64 2^20, int64 2^20, uint8 is_trained, int32 metric_type} (then a
 * float metric argument for metrics other than inner product and L2), all little-endian.
 */
final class FaissFiles {

  /** The header of a FAISS index file. */
  record Header(String tag, int dimension, long size, boolean trained, int metricType) {}

  static final int METRIC_INNER_PRODUCT = 0;
  static final int METRIC_L2 = 1;

  private static final int HEADER_BYTES = 4 + 4 + 8 + 8 + 8 + 1 + 4;
  private static final long CONSTANT = 1L << 20;

  private FaissFiles() {}

  /**
   * Reads and checks the header of {@code file}.
   *
   * @throws IOException naming the file and the problem, e.g. a truncated or foreign file
   */
  static Header check(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such FAISS index file");
    }
    if (!Files.isRegularFile(file)) {
      throw new IOException("not a FAISS index file: " + file + " is not a regular file");
    }
    long length = Files.size(file);
    if (length < HEADER_BYTES) {
      throw new IOException("not a FAISS index file: " + file + " has " + length
          + " bytes, fewer than the " + HEADER_BYTES + " of a FAISS index header");
    }
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (b.hasRemaining()) {
        if (ch.read(b) < 0) {
          throw new IOException("FAISS index file " + file + " ended inside its header");
        }
      }
    }
    b.flip();
    byte[] tagBytes = new byte[4];
    b.get(tagBytes);
    String tag = printable(tagBytes);
    if (tag == null || tag.charAt(0) != 'I' || tag.startsWith("IB")) {
      throw new IOException("not a FAISS index file: " + file + " starts with bytes "
          + hex(tagBytes) + ", not the tag of a FAISS float index (e.g. IxF2, IHNf, IwFl, IxM2)");
    }
    int dimension = b.getInt();
    long size = b.getLong();
    long c1 = b.getLong();
    long c2 = b.getLong();
    int trained = b.get();
    int metric = b.getInt();
    String at = "FAISS index file " + file + " (tag " + tag + ")";
    if (c1 != CONSTANT || c2 != CONSTANT) {
      throw new IOException("corrupt " + at + ": header bytes 16-31 hold " + c1 + " and " + c2
          + ", FAISS writes " + CONSTANT + " there");
    }
    if (dimension <= 0 || dimension > ExactIndex.MAX_DIMENSION) {
      throw new IOException("corrupt " + at + ": dimension " + dimension + " at byte 4 is not in [1, "
          + ExactIndex.MAX_DIMENSION + "]");
    }
    if (size < 0 || size > length) {
      throw new IOException("corrupt " + at + ": item count " + size + " at byte 8 does not fit a file of "
          + length + " bytes");
    }
    if (trained != 0 && trained != 1) {
      throw new IOException("corrupt " + at + ": training flag " + trained + " at byte 32 is not 0 or 1");
    }
    if (metric != METRIC_INNER_PRODUCT && metric != METRIC_L2) {
      throw new IOException(at + " uses FAISS metric type " + metric
          + "; Shortlist reads inner product (0) and L2 (1) indexes");
    }
    long minimum = switch (tag) {
      // Flat indexes hold every vector as floats; ID maps end with 8 bytes per id.
      case "IxF2", "IxFI", "IxFl" -> HEADER_BYTES + 8 + size * dimension * 4L;
      case "IxMp", "IxM2" -> HEADER_BYTES + size * 8L;
      default -> HEADER_BYTES;
    };
    if (length < minimum) {
      throw new IOException("truncated " + at + ": " + size + " vectors of dimension " + dimension
          + " need at least " + minimum + " bytes, the file has " + length);
    }
    return new Header(tag, dimension, size, trained == 1, metric);
  }

  private static String printable(byte[] bytes) {
    StringBuilder s = new StringBuilder();
    for (byte x : bytes) {
      if (!((x >= '0' && x <= '9') || (x >= 'A' && x <= 'Z') || (x >= 'a' && x <= 'z'))) {
        return null;
      }
      s.append((char) x);
    }
    return s.toString();
  }

  private static String hex(byte[] bytes) {
    StringBuilder s = new StringBuilder();
    for (byte x : bytes) {
      s.append(String.format("%02x", x & 0xff));
    }
    return s.toString();
  }
}
