package dev.shortlist.retrieval;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and writes sets of vectors in the files ANN benchmarks use, chosen by extension:
 *
 * <ul>
 *   <li>{@code .fvecs}: float32 vectors, each stored as its dimension (int32) then its components
 *       (float32), all little-endian (the format of the TEXMEX / BIGANN corpora);
 *   <li>{@code .ivecs}: the same layout with int32 components (typically ground-truth ids);
 *   <li>{@code .npy}: a NumPy array file (format versions 1.0, 2.0 and 3.0) holding a C-ordered
 *       2-D array of dtype {@code <f4} (float32) or {@code <i4} (int32), one vector per row. A 1-D
 *       array of {@code n} values is read as one vector of dimension {@code n}.
 * </ul>
 *
 * <p>{@link #open} streams a file of any size row by row or block by block with buffered reads
 * (never a whole-file mapping); {@link #readFloats} and {@link #readInts} load a whole file of at
 * most about 2<sup>31</sup> values into one matrix; {@link #newWriter} and {@link #write} write
 * files that NumPy and the TEXMEX tools read back. An empty {@code .fvecs}/{@code .ivecs} file is
 * zero rows of dimension 0 (the format stores the dimension only in rows).
 *
 * <p>Files are checked before and while they are read, and every problem is a {@link
 * FormatException} naming the file and the byte offset: a truncated file (a partial last row, or a
 * header that promises more data than there is), bytes after the data, a row whose dimension
 * differs from the first row's, a bad NumPy magic string or version, a malformed header, a dtype
 * other than {@code <f4}/{@code <i4} (such as {@code <f8}, {@code >f4} or {@code |u1}), a
 * Fortran-ordered array, a shape that is not 1-D or 2-D. A reader never returns part of a row.
 * An unsupported file extension is an {@link IllegalArgumentException}.
 *
 * <p>The static methods are thread-safe; a {@link Reader} or {@link Writer} is used by one thread
 * at a time.
 */
public final class VectorFiles {

  /** The largest dimension a file may declare: one row must fit in a Java array and a buffer. */
  public static final int MAX_DIMENSION = (Integer.MAX_VALUE - 16) / 4;

  private static final int BUFFER_BYTES = 1 << 20;

  private VectorFiles() {}

  /** The type of the components of the vectors in a file. */
  public enum ElementType {
    /** 32-bit IEEE 754 floats, little-endian ({@code .fvecs}, or {@code .npy} dtype {@code <f4}). */
    FLOAT32,
    /** 32-bit two's complement ints, little-endian ({@code .ivecs}, or {@code .npy} dtype {@code <i4}). */
    INT32
  }

  /** A file with the extension of a vector file whose content breaks that format. */
  public static final class FormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long byteOffset;

    FormatException(Path file, long byteOffset, String problem) {
      super(file + ": " + problem + (byteOffset >= 0 ? " (at byte offset " + byteOffset + ")" : ""));
      this.file = file;
      this.byteOffset = byteOffset;
    }

    /** The file. */
    public Path file() {
      return file;
    }

    /** Where in the file the problem is, or -1 when it is not at one place. */
    public long byteOffset() {
      return byteOffset;
    }
  }

  /** The file formats, by extension. */
  private enum Format {
    FVECS(".fvecs", ElementType.FLOAT32),
    IVECS(".ivecs", ElementType.INT32),
    NPY(".npy", null);

    final String extension;
    final ElementType type;

    Format(String extension, ElementType type) {
      this.extension = extension;
      this.type = type;
    }

    static Format of(Path file) {
      Objects.requireNonNull(file, "file");
      Path name = file.getFileName();
      String s = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
      for (Format f : values()) {
        if (s.endsWith(f.extension)) {
          return f;
        }
      }
      throw new IllegalArgumentException(
          "unsupported vector file extension: '" + file + "'; expected .fvecs, .ivecs or .npy");
    }
  }

  /**
   * Opens {@code file} for streaming, checking its header and size first.
   *
   * @throws IllegalArgumentException if the extension is not {@code .fvecs}, {@code .ivecs} or
   *     {@code .npy}
   * @throws FormatException if the file breaks its format (see the class documentation)
   * @throws IOException if the file cannot be read
   */
  public static Reader open(Path file) throws IOException {
    Format format = Format.of(file);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return format == Format.NPY ? openNpy(file, channel) : openVecs(file, channel, format);
    } catch (IOException | RuntimeException | Error e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Reads all of a float32 file ({@code .fvecs}, or {@code .npy} of dtype {@code <f4}).
   *
   * @throws FormatException if the file breaks its format or holds int32 values
   * @throws IllegalArgumentException if the extension is unsupported, or the file holds more
   *     values than one Java array can (stream it with {@link #open} instead)
   */
  public static FloatMatrix readFloats(Path file) throws IOException {
    try (Reader r = open(file)) {
      r.expect(ElementType.FLOAT32);
      float[] values = new float[r.totalValues()];
      r.read(values, 0, (int) r.rows());
      return FloatMatrix.wrap(values, (int) r.rows(), r.dimension());
    }
  }

  /**
   * Reads all of an int32 file ({@code .ivecs}, or {@code .npy} of dtype {@code <i4}).
   *
   * @throws FormatException if the file breaks its format or holds float32 values
   * @throws IllegalArgumentException if the extension is unsupported, or the file holds more
   *     values than one Java array can
   */
  public static IntMatrix readInts(Path file) throws IOException {
    try (Reader r = open(file)) {
      r.expect(ElementType.INT32);
      int[] values = new int[r.totalValues()];
      r.read(values, 0, (int) r.rows());
      return IntMatrix.wrap(values, (int) r.rows(), r.dimension());
    }
  }

  /**
   * Writes {@code vectors} to {@code file} ({@code .fvecs} or {@code .npy}), replacing it.
   *
   * @throws IllegalArgumentException if the extension is not {@code .fvecs} or {@code .npy}
   */
  public static void write(Path file, FloatMatrix vectors) throws IOException {
    Objects.requireNonNull(vectors, "vectors");
    try (Writer w = newWriter(file, ElementType.FLOAT32, vectors.dimension())) {
      w.write(vectors.toArray(), 0, vectors.rows());
    }
  }

  /**
   * Writes {@code rows} to {@code file} ({@code .ivecs} or {@code .npy}), replacing it.
   *
   * @throws IllegalArgumentException if the extension is not {@code .ivecs} or {@code .npy}
   */
  public static void write(Path file, IntMatrix rows) throws IOException {
    Objects.requireNonNull(rows, "rows");
    try (Writer w = newWriter(file, ElementType.INT32, rows.dimension())) {
      w.write(rows.toArray(), 0, rows.rows());
    }
  }

  /**
   * Creates (or truncates) {@code file} and returns a writer of {@code dimension}-component rows
   * of {@code type}. The file is complete once the writer is closed: a {@code .npy} header gets
   * its row count then.
   *
   * @throws IllegalArgumentException if the extension is unsupported or holds the other element
   *     type ({@code .fvecs} holds floats, {@code .ivecs} ints), or {@code dimension} is not in
   *     [0, {@value #MAX_DIMENSION}] (0 allows only an empty file)
   */
  public static Writer newWriter(Path file, ElementType type, int dimension) throws IOException {
    Format format = Format.of(file);
    Objects.requireNonNull(type, "type");
    if (format.type != null && format.type != type) {
      throw new IllegalArgumentException(
          "a " + format.extension + " file holds " + name(format.type) + " values, not "
              + name(type) + ": '" + file + "'");
    }
    if (dimension < 0 || dimension > MAX_DIMENSION) {
      throw new IllegalArgumentException(
          "dimension must be in [0, " + MAX_DIMENSION + "], was " + dimension);
    }
    FileChannel channel =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
    return new Writer(file, channel, type, dimension, format == Format.NPY);
  }

  private static String name(ElementType type) {
    return type == ElementType.FLOAT32 ? "float32" : "int32";
  }

  // ---------------------------------------------------------------------------------------------
  // Opening: header and size checks.

  private static Reader openVecs(Path file, FileChannel channel, Format format) throws IOException {
    long size = channel.size();
    if (size == 0) {
      return new Reader(file, channel, format.type, 0, 0, 0, true);
    }
    if (size < 4) {
      throw new FormatException(
          file, 0, "truncated: row 0's dimension needs 4 bytes, the file has " + size);
    }
    int dimension = readIntAt(channel, 0, file);
    if (dimension < 1 || dimension > MAX_DIMENSION) {
      throw new FormatException(
          file,
          0,
          "row 0 declares dimension " + dimension + ", expected 1 to " + MAX_DIMENSION
              + " (is this a " + format.extension + " file?)");
    }
    long rowBytes = 4 + 4L * dimension;
    if (size % rowBytes != 0) {
      throw diagnoseVecs(file, channel, size, dimension, rowBytes);
    }
    return new Reader(file, channel, format.type, dimension, size / rowBytes, 0, true);
  }

  /**
   * Finds why a .fvecs/.ivecs file's size is not a whole number of rows: the first row that
   * declares another dimension, or else the partial last row. Reads one int per row.
   */
  private static FormatException diagnoseVecs(
      Path file, FileChannel channel, long size, int dimension, long rowBytes) throws IOException {
    long row = 0;
    long offset = 0;
    ByteBuffer four = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    while (offset + rowBytes <= size) {
      four.clear();
      readFully(channel, four, offset, file);
      int d = four.getInt(0);
      if (d != dimension) {
        return dimensionMismatch(file, row, offset, d, dimension);
      }
      row++;
      offset += rowBytes;
    }
    return new FormatException(
        file,
        offset,
        "truncated: row " + row + " has only " + (size - offset) + " of its " + rowBytes
            + " bytes (dimension " + dimension + ")");
  }

  private static FormatException dimensionMismatch(
      Path file, long row, long offset, int found, int expected) {
    return new FormatException(
        file,
        offset,
        "row " + row + " has dimension " + found + ", but row 0 has " + expected
            + "; all rows must have the same dimension");
  }

  private static Reader openNpy(Path file, FileChannel channel) throws IOException {
    long size = channel.size();
    ByteBuffer prefix = ByteBuffer.allocate((int) Math.min(size, NpyHeader.PREFIX_V2));
    prefix.order(ByteOrder.LITTLE_ENDIAN);
    readFully(channel, prefix, 0, file);
    byte[] magic = NpyHeader.MAGIC;
    for (int i = 0; i < magic.length; i++) {
      if (i >= size || prefix.get(i) != magic[i]) {
        byte[] found = new byte[(int) Math.min(size, magic.length)];
        prefix.get(0, found);
        throw new FormatException(
            file,
            0,
            "not a .npy file: bad magic string, expected \\x93NUMPY, found "
                + (found.length == 0 ? "an empty file" : "0x" + HexFormat.of().formatHex(found)));
      }
    }
    if (size < NpyHeader.PREFIX_V1) {
      throw new FormatException(file, size, "truncated: the file ends inside the .npy header");
    }
    int major = prefix.get(6) & 0xFF;
    int minor = prefix.get(7) & 0xFF;
    long headerStart;
    long headerLength;
    if (major == 1 && minor == 0) {
      headerStart = NpyHeader.PREFIX_V1;
      headerLength = prefix.getShort(8) & 0xFFFF;
    } else if ((major == 2 || major == 3) && minor == 0) {
      if (size < NpyHeader.PREFIX_V2) {
        throw new FormatException(file, size, "truncated: the file ends inside the .npy header");
      }
      headerStart = NpyHeader.PREFIX_V2;
      headerLength = prefix.getInt(8) & 0xFFFF_FFFFL;
    } else {
      throw new FormatException(
          file, 6, "unsupported .npy format version " + major + "." + minor
              + "; supported: 1.0, 2.0, 3.0");
    }
    if (headerStart + headerLength > size) {
      throw new FormatException(
          file,
          headerStart,
          "truncated: the header declares " + headerLength + " bytes, the file has "
              + (size - headerStart) + " after the header length");
    }
    if (headerLength > (1 << 24)) {
      throw new FormatException(
          file, 8, "malformed header: implausible header length " + headerLength);
    }
    ByteBuffer text = ByteBuffer.allocate((int) headerLength);
    readFully(channel, text, headerStart, file);
    String header =
        new String(
            text.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Map<String, Object> dict;
    try {
      dict = NpyHeader.parse(header);
    } catch (NpyHeader.Malformed e) {
      throw new FormatException(
          file, headerStart + e.index, "malformed header: " + e.getMessage() + " in " + quote(header));
    }
    for (String key : List.of("descr", "fortran_order", "shape")) {
      if (!dict.containsKey(key)) {
        throw new FormatException(
            file, headerStart, "malformed header: no '" + key + "' key in " + quote(header));
      }
    }
    for (String key : dict.keySet()) {
      if (!Set.of("descr", "fortran_order", "shape").contains(key)) {
        throw new FormatException(
            file, headerStart, "malformed header: unexpected key '" + key + "' in " + quote(header));
      }
    }
    ElementType type = dtype(file, headerStart, dict.get("descr"));
    Object fortran = dict.get("fortran_order");
    if (!(fortran instanceof Boolean)) {
      throw new FormatException(
          file, headerStart, "malformed header: 'fortran_order' must be True or False, was " + fortran);
    }
    if ((Boolean) fortran) {
      throw new FormatException(
          file,
          headerStart,
          "the array is in Fortran (column-major) order; only C order is supported: save"
              + " np.ascontiguousarray(a) instead");
    }
    long[] shape = shape(file, headerStart, dict.get("shape"));
    long rows;
    long dimension;
    if (shape.length == 2) {
      rows = shape[0];
      dimension = shape[1];
    } else if (shape.length == 1) { // one vector
      rows = shape[0] == 0 ? 0 : 1;
      dimension = shape[0];
    } else {
      throw new FormatException(
          file,
          headerStart,
          "shape " + shapeText(shape) + " has " + shape.length
              + " dimensions; expected a 2-D array (rows, dimension) or a 1-D vector");
    }
    if (dimension > MAX_DIMENSION || (rows > 0 && dimension == 0)) {
      throw new FormatException(
          file,
          headerStart,
          "shape " + shapeText(shape) + ": the dimension must be in [1, " + MAX_DIMENSION + "]");
    }
    long rowBytes = 4 * dimension;
    long dataStart = headerStart + headerLength;
    long dataBytes;
    try {
      dataBytes = Math.multiplyExact(rows, rowBytes);
      Math.addExact(dataStart, dataBytes);
    } catch (ArithmeticException e) {
      throw new FormatException(file, headerStart, "malformed header: shape " + shapeText(shape) + " is too large");
    }
    long available = size - dataStart;
    if (available < dataBytes) {
      long whole = available / rowBytes;
      throw new FormatException(
          file,
          dataStart + whole * rowBytes,
          "truncated: shape " + shapeText(shape) + " of " + NpyHeader.descr(type) + " needs "
              + dataBytes + " data bytes, the file has " + available + "; row " + whole + " of "
              + rows + (available % rowBytes == 0 ? " is missing" : " is partial"));
    }
    if (available > dataBytes) {
      throw new FormatException(
          file,
          dataStart + dataBytes,
          (available - dataBytes) + " unexpected bytes after the data of shape " + shapeText(shape));
    }
    return new Reader(file, channel, type, (int) dimension, rows, dataStart, false);
  }

  private static ElementType dtype(Path file, long offset, Object descr) throws FormatException {
    if ("<f4".equals(descr)) {
      return ElementType.FLOAT32;
    }
    if ("<i4".equals(descr)) {
      return ElementType.INT32;
    }
    String hint;
    if (!(descr instanceof String s)) {
      hint = "structured dtypes are not supported";
    } else if (s.startsWith(">")) {
      hint = "big-endian; save a.astype('<" + s.substring(1) + "')";
    } else if (s.equals("<f8") || s.equals("<f2")) {
      hint = "convert with a.astype('<f4')";
    } else {
      hint = "convert with a.astype('<f4') or a.astype('<i4')";
    }
    throw new FormatException(
        file,
        offset,
        "unsupported dtype " + (descr instanceof String ? "'" + descr + "'" : String.valueOf(descr))
            + "; supported: '<f4' (float32) and '<i4' (int32), little-endian (" + hint + ")");
  }

  private static long[] shape(Path file, long offset, Object value) throws FormatException {
    if (value instanceof List<?> list) {
      long[] shape = new long[list.size()];
      for (int i = 0; i < shape.length; i++) {
        if (!(list.get(i) instanceof Long n) || n < 0) {
          throw new FormatException(
              file, offset, "malformed header: 'shape' must hold non-negative integers, was " + list);
        }
        shape[i] = n;
      }
      return shape;
    }
    throw new FormatException(
        file, offset, "malformed header: 'shape' must be a tuple, was " + value);
  }

  private static String shapeText(long[] shape) {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      b.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    return b.append(shape.length == 1 ? ",)" : ")").toString();
  }

  private static String quote(String header) {
    String h = header.strip();
    return "\"" + (h.length() > 200 ? h.substring(0, 200) + "…" : h) + "\"";
  }

  private static int readIntAt(FileChannel channel, long offset, Path file) throws IOException {
    ByteBuffer four = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    readFully(channel, four, offset, file);
    return four.getInt(0);
  }

  /** Fills {@code buffer} from {@code offset}, or fails naming where the file ended. */
  private static void readFully(FileChannel channel, ByteBuffer buffer, long offset, Path file)
      throws IOException {
    long at = offset;
    while (buffer.hasRemaining()) {
      int n = channel.read(buffer, at);
      if (n < 0) {
        throw new FormatException(file, at, "truncated: the file ended while reading");
      }
      at += n;
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Streams the rows of a vector file, in order, one at a time or in blocks, through a fixed
   * buffer (files of any size). Its shape is known when it is opened; each row is checked as it
   * is read, and a row is either read whole or not at all. Not thread-safe.
   */
  public static final class Reader implements Closeable {
    private final Path file;
    private final FileChannel channel;
    private final ElementType type;
    private final int dimension;
    private final long rows;
    private final boolean dimensionPrefix;
    private final int rowBytes;
    private final ByteBuffer buffer;
    private long bufferStart; // file offset of buffer index 0
    private long rowsRead;

    private Reader(
        Path file,
        FileChannel channel,
        ElementType type,
        int dimension,
        long rows,
        long dataStart,
        boolean dimensionPrefix) {
      this.file = file;
      this.channel = channel;
      this.type = type;
      this.dimension = dimension;
      this.rows = rows;
      this.dimensionPrefix = dimensionPrefix;
      this.rowBytes = (dimensionPrefix ? 4 : 0) + 4 * dimension;
      this.buffer =
          ByteBuffer.allocate(rows == 0 ? 0 : Math.max(BUFFER_BYTES, rowBytes))
              .order(ByteOrder.LITTLE_ENDIAN);
      this.buffer.limit(0);
      this.bufferStart = dataStart;
    }

    /** The file read. */
    public Path file() {
      return file;
    }

    /** The type of the values. */
    public ElementType type() {
      return type;
    }

    /** Components per row; 0 for an empty {@code .fvecs}/{@code .ivecs} file. */
    public int dimension() {
      return dimension;
    }

    /** Number of rows in the file. */
    public long rows() {
      return rows;
    }

    /** Number of rows read so far. */
    public long rowsRead() {
      return rowsRead;
    }

    /**
     * Reads the next row into {@code row}; returns false, leaving it unchanged, at the end.
     *
     * @throws IllegalStateException if the file holds ints
     * @throws IllegalArgumentException if {@code row.length != dimension()}
     * @throws FormatException if the row is malformed
     */
    public boolean next(float[] row) throws IOException {
      checkRow(row.length);
      return read(row, 0, 1) == 1;
    }

    /** Reads the next row of an int file; as {@link #next(float[])}. */
    public boolean next(int[] row) throws IOException {
      checkRow(row.length);
      return read(row, 0, 1) == 1;
    }

    /**
     * Reads up to {@code maxRows} rows into {@code dst} from {@code offset}, row after row;
     * returns how many it read: {@code maxRows} unless the file ends first, 0 at the end.
     *
     * @throws IllegalStateException if the file holds ints
     * @throws IndexOutOfBoundsException if {@code maxRows * dimension()} values do not fit
     * @throws FormatException if a row is malformed
     */
    public int read(float[] dst, int offset, int maxRows) throws IOException {
      expectState(ElementType.FLOAT32);
      Objects.checkFromIndexSize(offset, Math.multiplyExact(maxRows, dimension), dst.length);
      return readRows(dst, null, offset, maxRows);
    }

    /** Reads up to {@code maxRows} rows of an int file; as {@link #read(float[], int, int)}. */
    public int read(int[] dst, int offset, int maxRows) throws IOException {
      expectState(ElementType.INT32);
      Objects.checkFromIndexSize(offset, Math.multiplyExact(maxRows, dimension), dst.length);
      return readRows(null, dst, offset, maxRows);
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }

    @Override
    public String toString() {
      return "VectorFiles.Reader[" + file + ", " + rows + " × " + dimension + " " + name(type) + "]";
    }

    private void checkRow(int length) {
      if (length != dimension) {
        throw new IllegalArgumentException(
            "row has " + length + " components, the file's rows have " + dimension);
      }
    }

    private void expectState(ElementType wanted) {
      if (type != wanted) {
        throw new IllegalStateException(file + " holds " + name(type) + " values, not " + name(wanted));
      }
    }

    void expect(ElementType wanted) throws FormatException {
      if (type != wanted) {
        throw new FormatException(file, -1, "holds " + name(type) + " values, expected " + name(wanted));
      }
    }

    int totalValues() {
      long n = rows * dimension;
      if (n > FloatMatrix.MAX_VALUES) {
        throw new IllegalArgumentException(
            file + " holds " + rows + " × " + dimension + " values, more than one array holds;"
                + " stream it with VectorFiles.open");
      }
      return (int) n;
    }

    private int readRows(float[] floats, int[] ints, int offset, int maxRows) throws IOException {
      if (maxRows < 0) {
        throw new IllegalArgumentException("maxRows must not be negative, was " + maxRows);
      }
      int n = (int) Math.min(maxRows, rows - rowsRead);
      int at = offset;
      int done = 0;
      while (done < n) {
        fill();
        int batch = Math.min(n - done, buffer.remaining() / rowBytes);
        if (dimensionPrefix) {
          for (int i = 0; i < batch; i++) {
            int d = buffer.getInt();
            if (d != dimension) {
              throw dimensionMismatch(
                  file, rowsRead, bufferStart + buffer.position() - 4, d, dimension);
            }
            decode(floats, ints, at, dimension);
            at += dimension;
            rowsRead++;
          }
        } else {
          decode(floats, ints, at, batch * dimension);
          at += batch * dimension;
          rowsRead += batch;
        }
        done += batch;
      }
      return n;
    }

    private void decode(float[] floats, int[] ints, int at, int count) {
      int p = buffer.position();
      if (floats != null) {
        buffer.asFloatBuffer().get(floats, at, count);
      } else {
        buffer.asIntBuffer().get(ints, at, count);
      }
      buffer.position(p + 4 * count);
    }

    /** Makes sure the buffer holds at least one whole row. */
    private void fill() throws IOException {
      if (buffer.remaining() >= rowBytes) {
        return;
      }
      bufferStart += buffer.position();
      buffer.compact();
      long at = bufferStart + buffer.position();
      while (buffer.position() < rowBytes) {
        int n = channel.read(buffer, at);
        if (n < 0) {
          throw new FormatException(
              file,
              at,
              "truncated: the file ended inside row " + rowsRead + " of " + rows
                  + " (did it shrink while being read?)");
        }
        at += n;
      }
      buffer.flip();
    }
  }

  /**
   * Writes rows of one dimension to a new vector file through a buffer. {@link #close()} completes
   * the file (a {@code .npy} header gets its row count then); a file whose writer was not closed
   * is refused by {@link #open} rather than read in part. Not thread-safe.
   */
  public static final class Writer implements Closeable {
    private final Path file;
    private final FileChannel channel;
    private final ElementType type;
    private final int dimension;
    private final boolean npy;
    private final ByteBuffer buffer;
    private long rows;
    private boolean closed;

    private Writer(Path file, FileChannel channel, ElementType type, int dimension, boolean npy)
        throws IOException {
      this.file = file;
      this.channel = channel;
      this.type = type;
      this.dimension = dimension;
      this.npy = npy;
      this.buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      if (npy) {
        try {
          buffer.put(NpyHeader.format(type, 0, dimension));
        } catch (RuntimeException e) {
          channel.close();
          throw e;
        }
      }
    }

    /** The file written. */
    public Path file() {
      return file;
    }

    /** Components per row. */
    public int dimension() {
      return dimension;
    }

    /** Rows written so far. */
    public long rows() {
      return rows;
    }

    /**
     * Appends one row.
     *
     * @throws IllegalArgumentException if {@code row.length != dimension()}
     * @throws IllegalStateException if the writer writes ints, or is closed
     */
    public void write(float[] row) throws IOException {
      checkRow(row.length);
      write(row, 0, 1);
    }

    /** Appends one row of ints; as {@link #write(float[])}. */
    public void write(int[] row) throws IOException {
      checkRow(row.length);
      write(row, 0, 1);
    }

    /**
     * Appends {@code count} rows stored row after row in {@code values} from {@code offset}.
     *
     * @throws IllegalStateException if the writer writes ints, or is closed
     * @throws IndexOutOfBoundsException if {@code values} holds fewer values
     */
    public void write(float[] values, int offset, int count) throws IOException {
      check(ElementType.FLOAT32, offset, count, values.length);
      writeRows(values, null, offset, count);
    }

    /** Appends {@code count} rows of ints; as {@link #write(float[], int, int)}. */
    public void write(int[] values, int offset, int count) throws IOException {
      check(ElementType.INT32, offset, count, values.length);
      writeRows(null, values, offset, count);
    }

    /** Flushes the rows and completes the file. Idempotent. */
    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try (channel) {
        flush();
        if (npy) {
          ByteBuffer header = ByteBuffer.wrap(NpyHeader.format(type, rows, dimension));
          long at = 0;
          while (header.hasRemaining()) {
            at += channel.write(header, at);
          }
        }
      }
    }

    @Override
    public String toString() {
      return "VectorFiles.Writer[" + file + ", " + rows + " × " + dimension + " " + name(type) + "]";
    }

    private void checkRow(int length) {
      if (length != dimension) {
        throw new IllegalArgumentException(
            "row has " + length + " components, the file's rows have " + dimension);
      }
    }

    private void check(ElementType wanted, int offset, int count, int length) {
      if (closed) {
        throw new IllegalStateException("writer of " + file + " is closed");
      }
      if (type != wanted) {
        throw new IllegalStateException(
            "writer of " + file + " writes " + name(type) + " values, not " + name(wanted));
      }
      if (count < 0) {
        throw new IllegalArgumentException("count must not be negative, was " + count);
      }
      if (dimension == 0 && count > 0) {
        throw new IllegalArgumentException("cannot write rows of dimension 0 to " + file);
      }
      Objects.checkFromIndexSize(offset, Math.multiplyExact(count, dimension), length);
    }

    private void writeRows(float[] floats, int[] ints, int offset, int count) throws IOException {
      int at = offset;
      for (int r = 0; r < count; r++) {
        if (!npy) {
          if (buffer.remaining() < 4) {
            flush();
          }
          buffer.putInt(dimension);
        }
        int left = dimension;
        while (left > 0) {
          if (buffer.remaining() < 4) {
            flush();
          }
          int n = Math.min(left, buffer.remaining() / 4);
          int p = buffer.position();
          if (floats != null) {
            buffer.asFloatBuffer().put(floats, at, n);
          } else {
            buffer.asIntBuffer().put(ints, at, n);
          }
          buffer.position(p + 4 * n);
          at += n;
          left -= n;
        }
        rows++;
      }
    }

    private void flush() throws IOException {
      buffer.flip();
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      buffer.clear();
    }
  }
}
