package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorFilesTest {

  private static final long SEED = 20240611L;

  @TempDir Path dir;

  // --- round trips ---------------------------------------------------------------------------

  @Test
  void fvecs_roundTrip_preservesEveryValueBitForBit() throws IOException {
    FloatMatrix m = randomFloats(new SplittableRandom(SEED), 123, 17);
    Path f = dir.resolve("v.fvecs");
    VectorFiles.write(f, m);

    assertThat(Files.size(f)).isEqualTo(123L * (4 + 4 * 17));
    assertThat(VectorFiles.readFloats(f)).isEqualTo(m);
  }

  @Test
  void ivecs_roundTrip_preservesEveryValue() throws IOException {
    IntMatrix m = randomInts(new SplittableRandom(SEED), 50, 100);
    Path f = dir.resolve("truth.ivecs");
    VectorFiles.write(f, m);

    assertThat(VectorFiles.readInts(f)).isEqualTo(m);
  }

  @Test
  void npy_roundTrip_preservesFloatsAndInts() throws IOException {
    SplittableRandom rnd = new SplittableRandom(SEED);
    FloatMatrix floats = randomFloats(rnd, 77, 9);
    IntMatrix ints = randomInts(rnd, 31, 5);
    VectorFiles.write(dir.resolve("f.npy"), floats);
    VectorFiles.write(dir.resolve("i.NPY"), ints);

    assertThat(VectorFiles.readFloats(dir.resolve("f.npy"))).isEqualTo(floats);
    assertThat(VectorFiles.readInts(dir.resolve("i.NPY"))).isEqualTo(ints);
  }

  @Test
  void roundTrip_ofNonFiniteAndExtremeValues_keepsTheirBits() throws IOException {
    float[] odd = {Float.NaN, Float.POSITIVE_INFINITY, -0.0f, Float.MIN_VALUE, -Float.MAX_VALUE, 1e-40f};
    for (String name : new String[] {"odd.fvecs", "odd.npy"}) {
      VectorFiles.write(dir.resolve(name), FloatMatrix.of(odd, 3));
      float[] back = VectorFiles.readFloats(dir.resolve(name)).toArray();
      for (int i = 0; i < odd.length; i++) {
        assertThat(Float.floatToRawIntBits(back[i])).as(name + "[" + i + "]")
            .isEqualTo(Float.floatToRawIntBits(odd[i]));
      }
    }
  }

  @Test
  void emptyFiles_roundTrip_asZeroRows() throws IOException {
    Path npy = dir.resolve("empty.npy");
    VectorFiles.write(npy, FloatMatrix.of(new float[0], 5));
    FloatMatrix back = VectorFiles.readFloats(npy);
    assertThat(back.rows()).isZero();
    assertThat(back.dimension()).isEqualTo(5);

    // .fvecs stores the dimension only in rows, so an empty file has dimension 0.
    Path fvecs = dir.resolve("empty.fvecs");
    VectorFiles.write(fvecs, FloatMatrix.of(new float[0], 5));
    assertThat(Files.size(fvecs)).isZero();
    try (VectorFiles.Reader r = VectorFiles.open(fvecs)) {
      assertThat(r.rows()).isZero();
      assertThat(r.dimension()).isZero();
      assertThat(r.next(new float[0])).isFalse();
    }
  }

  // --- exact bytes ---------------------------------------------------------------------------

  /** What {@code np.save(f, np.array([[1, -2.5, 0], [3.25, 4, 1e-3]], dtype='<f4'))} writes. */
  private static byte[] numpySaved2x3() {
    String header =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + " ".repeat(58) + "\n";
    ByteBuffer b = ByteBuffer.allocate(152).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
    b.putShort((short) 118).put(header.getBytes(StandardCharsets.US_ASCII));
    b.put(HexFormat.of().parseHex("0000803f000020c00000000000005040000080406f12833a"));
    assertThat(b.remaining()).isZero();
    return b.array();
  }

  @Test
  void npy_writer_writesTheSameBytesAsNumpySave() throws IOException {
    Path f = dir.resolve("tiny.npy");
    VectorFiles.write(f, FloatMatrix.of(new float[] {1, -2.5f, 0, 3.25f, 4, 1e-3f}, 3));

    assertThat(Files.readAllBytes(f)).isEqualTo(numpySaved2x3());
  }

  @Test
  void npy_reader_readsBytesWrittenByNumpy() throws IOException {
    Path f = dir.resolve("numpy.npy");
    Files.write(f, numpySaved2x3());

    FloatMatrix m = VectorFiles.readFloats(f);
    assertThat(m.rows()).isEqualTo(2);
    assertThat(m.dimension()).isEqualTo(3);
    assertThat(m.toArray()).containsExactly(1, -2.5f, 0, 3.25f, 4, 1e-3f);
  }

  @Test
  void fvecs_writer_writesDimensionThenLittleEndianFloats() throws IOException {
    Path f = dir.resolve("tiny.fvecs");
    VectorFiles.write(f, FloatMatrix.of(new float[] {1, -2, 0.5f, 3}, 2));

    assertThat(HexFormat.of().formatHex(Files.readAllBytes(f)))
        .isEqualTo("02000000" + "0000803f" + "000000c0" + "02000000" + "0000003f" + "00004040");
  }

  @Test
  void ivecs_reader_readsHandWrittenBytes() throws IOException {
    Path f = dir.resolve("tiny.ivecs");
    Files.write(f, HexFormat.of().parseHex("03000000" + "01000000" + "feffffff" + "ffffff7f"));

    IntMatrix m = VectorFiles.readInts(f);
    assertThat(m.rows()).isEqualTo(1);
    assertThat(m.row(0)).containsExactly(1, -2, Integer.MAX_VALUE);
  }

  @Test
  void npy_readsVersion2And3Headers() throws IOException {
    for (int major : new int[] {2, 3}) {
      Path f = dir.resolve("v" + major + ".npy");
      Files.write(f, npy(major, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", 16));
      try (VectorFiles.Reader r = VectorFiles.open(f)) {
        assertThat(r.type()).isEqualTo(VectorFiles.ElementType.INT32);
        assertThat(r.rows()).isEqualTo(2);
        assertThat(r.dimension()).isEqualTo(2);
      }
    }
  }

  @Test
  void npy_header_acceptsPythonLiteralVariants() throws IOException {
    // Double quotes, keys in another order, no trailing comma, Python 2 long suffix.
    Path f = dir.resolve("variant.npy");
    Files.write(f, npy(1, "{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"<f4\"}", 8));
    assertThat(VectorFiles.readFloats(f).rows()).isEqualTo(2);
  }

  @Test
  void npy_oneDimensionalArray_isReadAsOneRow() throws IOException {
    Path f = dir.resolve("one.npy");
    Files.write(f, npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 16));
    FloatMatrix m = VectorFiles.readFloats(f);
    assertThat(m.rows()).isEqualTo(1);
    assertThat(m.dimension()).isEqualTo(4);
  }

  // --- streaming -----------------------------------------------------------------------------

  @Test
  void streaming_aFileWrittenInManyBlocks_readsBackInOtherBlocksAndRows() throws IOException {
    // 40,000 × 12 floats: several times the 1 MiB buffer, so reads cross buffer refills.
    SplittableRandom rnd = new SplittableRandom(SEED);
    int rows = 40_000;
    int dim = 12;
    float[] all = randomFloats(rnd, rows, dim).toArray();
    for (String name : new String[] {"blocks.fvecs", "blocks.npy"}) {
      Path f = dir.resolve(name);
      try (VectorFiles.Writer w = VectorFiles.newWriter(f, VectorFiles.ElementType.FLOAT32, dim)) {
        int written = 0;
        while (written < rows) {
          int n = Math.min(rows - written, 1 + rnd.nextInt(700));
          if (n == 1) {
            w.write(Arrays.copyOfRange(all, written * dim, (written + 1) * dim));
          } else {
            w.write(all, written * dim, n);
          }
          written += n;
        }
        assertThat(w.rows()).isEqualTo(rows);
      }

      float[] back = new float[rows * dim];
      try (VectorFiles.Reader r = VectorFiles.open(f)) {
        assertThat(r.rows()).as(name).isEqualTo(rows);
        int read = 0;
        while (read < rows) {
          if (rnd.nextInt(4) == 0) {
            float[] row = new float[dim];
            assertThat(r.next(row)).isTrue();
            System.arraycopy(row, 0, back, read * dim, dim);
            read++;
          } else {
            int n = r.read(back, read * dim, Math.min(rows - read, 1 + rnd.nextInt(3_000)));
            assertThat(n).isPositive();
            read += n;
          }
        }
        assertThat(r.rowsRead()).isEqualTo(rows);
        assertThat(r.read(new float[dim], 0, 1)).isZero();
        float[] untouched = new float[dim];
        Arrays.fill(untouched, 42);
        assertThat(r.next(untouched)).isFalse();
        assertThat(untouched).containsOnly(42);
      }
      assertThat(back).as(name).isEqualTo(all);
    }
  }

  @Test
  void streaming_rowsLargerThanTheBuffer_roundTrip() throws IOException {
    int dim = 300_000; // 1.2 MB per row, more than the 1 MiB buffer
    FloatMatrix m = randomFloats(new SplittableRandom(SEED), 3, dim);
    for (String name : new String[] {"wide.fvecs", "wide.npy"}) {
      VectorFiles.write(dir.resolve(name), m);
      assertThat(VectorFiles.readFloats(dir.resolve(name))).as(name).isEqualTo(m);
    }
  }

  // --- errors --------------------------------------------------------------------------------

  @Test
  void fvecs_withPartialLastRow_isRefusedAsTruncated_namingRowAndOffset() throws IOException {
    Path f = dir.resolve("cut.fvecs");
    VectorFiles.write(f, FloatMatrix.of(new float[12], 4)); // 3 rows of 20 bytes
    byte[] bytes = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(bytes, bytes.length - 3));

    assertThatThrownBy(() -> VectorFiles.readFloats(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("truncated: row 2 has only 17 of its 20 bytes")
        .hasMessageContaining("byte offset 40")
        .extracting(e -> ((VectorFiles.FormatException) e).byteOffset())
        .isEqualTo(40L);
  }

  @Test
  void fvecs_withRowOfAnotherDimension_isRefused_namingRowAndOffset() throws IOException {
    Path f = dir.resolve("mixed.fvecs");
    ByteBuffer b = ByteBuffer.allocate(20 + 16 + 20).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(4).put(new byte[16]).putInt(3).put(new byte[12]).putInt(4).put(new byte[16]);
    Files.write(f, b.array());

    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("row 1 has dimension 3, but row 0 has 4")
        .hasMessageContaining("byte offset 20");
  }

  @Test
  void fvecs_rowOfAnotherDimension_isCaughtWhileStreaming_evenWhenTheSizeIsAWholeNumberOfRows()
      throws IOException {
    Path f = dir.resolve("sneaky.fvecs");
    ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(1).putFloat(1).putInt(1).putFloat(2).putInt(5).putFloat(3);
    Files.write(f, b.array());

    try (VectorFiles.Reader r = VectorFiles.open(f)) {
      float[] row = new float[1];
      assertThat(r.next(row)).isTrue();
      assertThatThrownBy(() -> r.read(new float[2], 0, 2))
          .isInstanceOf(VectorFiles.FormatException.class)
          .hasMessageContaining("row 2 has dimension 5, but row 0 has 1")
          .hasMessageContaining("byte offset 16");
    }
  }

  @Test
  void fvecs_withNonPositiveDimension_isRefused() throws IOException {
    Path f = dir.resolve("zero.fvecs");
    Files.write(f, new byte[8]);
    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining("row 0 declares dimension 0");
  }

  @Test
  void npy_withPartialLastRow_isRefusedAsTruncated() throws IOException {
    Path f = dir.resolve("cut.npy");
    VectorFiles.write(f, FloatMatrix.of(new float[6], 3));
    byte[] bytes = Files.readAllBytes(f); // 128-byte header, rows at 128 and 140
    Files.write(f, Arrays.copyOf(bytes, bytes.length - 1));

    assertThatThrownBy(() -> VectorFiles.readFloats(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("truncated: shape (2, 3) of <f4 needs 24 data bytes, the file has 23; row 1 of 2 is partial")
        .hasMessageContaining("byte offset 140");
  }

  @Test
  void npy_withMissingRows_isRefusedAsTruncated() throws IOException {
    Path f = dir.resolve("short.npy");
    Files.write(f, npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5, 2), }", 16));

    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining("row 2 of 5 is missing");
  }

  @Test
  void npy_withBytesAfterTheData_isRefused() throws IOException {
    Path f = dir.resolve("long.npy");
    Files.write(f, npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", 12));

    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining("4 unexpected bytes after the data of shape (1, 2)");
  }

  @Test
  void npy_writerNotClosed_leavesAFileThatIsRefusedNotReadInPart() throws IOException {
    Path f = dir.resolve("unfinished.npy");
    try (VectorFiles.Writer w = VectorFiles.newWriter(f, VectorFiles.ElementType.FLOAT32, 2)) {
      w.write(new float[400_000], 0, 200_000); // more than the buffer: some rows reach the file
      // As after a crash: the header does not have its row count yet.
      assertThatThrownBy(() -> VectorFiles.open(f))
          .isInstanceOf(VectorFiles.FormatException.class)
          .hasMessageContaining("unexpected bytes after the data of shape (0, 2)");
    }
    assertThat(VectorFiles.readFloats(f).rows()).isEqualTo(200_000);
  }

  @Test
  void npy_withUnsupportedDtypes_isRefused_namingTheDtype() throws IOException {
    for (String descr : new String[] {"<f8", ">f4", "|u1", "<i8", "<f2"}) {
      Path f = dir.resolve("dtype.npy");
      Files.write(f, npy(1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (1, 1), }", 4));
      assertThatThrownBy(() -> VectorFiles.open(f))
          .as(descr)
          .isInstanceOf(VectorFiles.FormatException.class)
          .hasMessageContaining(f.toString())
          .hasMessageContaining("unsupported dtype '" + descr + "'")
          .hasMessageContaining("supported: '<f4' (float32) and '<i4' (int32)");
    }
  }

  @Test
  void npy_withStructuredDtype_isRefused() throws IOException {
    Path f = dir.resolve("struct.npy");
    Files.write(f, npy(1, "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4));
    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining("structured dtypes are not supported");
  }

  @Test
  void npy_inFortranOrder_isRefused() throws IOException {
    Path f = dir.resolve("fortran.npy");
    Files.write(f, npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16));
    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining("Fortran (column-major) order");
  }

  @Test
  void npy_withBadMagic_isRefused() throws IOException {
    Path f = dir.resolve("fake.npy");
    Files.write(f, "PK\u0003\u0004 this is a zip".getBytes(StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("not a .npy file: bad magic string, expected \\x93NUMPY, found 0x504b03042074")
        .hasMessageContaining("byte offset 0");

    Files.write(f, new byte[0]);
    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining("found an empty file");
  }

  @Test
  void npy_withUnknownVersion_isRefused() throws IOException {
    Path f = dir.resolve("v9.npy");
    byte[] bytes = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", 4);
    bytes[6] = 9;
    Files.write(f, bytes);
    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining("unsupported .npy format version 9.0")
        .hasMessageContaining("byte offset 6");
  }

  @Test
  void npy_withMalformedHeaders_isRefused_sayingWhatIsWrong() throws IOException {
    String[][] cases = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1}", "expected ',' or ')'"},
      {"{'descr': '<f4', 'fortran_order': False}", "no 'shape' key"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), 'extra': 1}", "unexpected key 'extra'"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (1, 1)}", "'fortran_order' must be True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': 7}", "'shape' must be a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1)}", "non-negative integers"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1)}", "has 3 dimensions"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': ()}", "has 0 dimensions"},
      {"['descr', '<f4']", "expected a dict"},
      {"{'descr': '<f4', 'fortran_order': Nope, 'shape': (1, 1)}", "unexpected name 'Nope'"},
      {"{'descr': '<f4 ", "unterminated string"},
    };
    for (String[] c : cases) {
      Path f = dir.resolve("bad.npy");
      Files.write(f, npy(1, c[0], 4));
      assertThatThrownBy(() -> VectorFiles.open(f))
          .as(c[0])
          .isInstanceOf(VectorFiles.FormatException.class)
          .hasMessageContaining(f.toString())
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void npy_withHeaderLongerThanTheFile_isRefusedAsTruncated() throws IOException {
    Path f = dir.resolve("header.npy");
    byte[] bytes = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", 4);
    Files.write(f, Arrays.copyOf(bytes, 40));
    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining("truncated: the header declares");
  }

  @Test
  void unsupportedExtension_isRefusedForReadingAndWriting() {
    Path f = dir.resolve("vectors.csv");
    assertThatThrownBy(() -> VectorFiles.open(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported vector file extension")
        .hasMessageContaining("vectors.csv")
        .hasMessageContaining(".fvecs, .ivecs or .npy");
    assertThatThrownBy(() -> VectorFiles.write(f, FloatMatrix.of(new float[2], 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported vector file extension");
  }

  @Test
  void readingTheWrongElementType_isRefused() throws IOException {
    Path ints = dir.resolve("ids.ivecs");
    VectorFiles.write(ints, IntMatrix.of(new int[] {1, 2}, 2));
    assertThatThrownBy(() -> VectorFiles.readFloats(ints))
        .isInstanceOf(VectorFiles.FormatException.class)
        .hasMessageContaining("holds int32 values, expected float32");
    try (VectorFiles.Reader r = VectorFiles.open(ints)) {
      assertThatThrownBy(() -> r.next(new float[2])).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> r.next(new int[3]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("row has 3 components, the file's rows have 2");
    }
    assertThatThrownBy(() -> VectorFiles.newWriter(dir.resolve("x.fvecs"), VectorFiles.ElementType.INT32, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a .fvecs file holds float32 values, not int32");
  }

  @Test
  void writer_refusesRowsOfTheWrongLength_andWritesAfterClose() throws IOException {
    VectorFiles.Writer w = VectorFiles.newWriter(dir.resolve("w.fvecs"), VectorFiles.ElementType.FLOAT32, 3);
    assertThatThrownBy(() -> w.write(new float[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row has 2 components, the file's rows have 3");
    assertThatThrownBy(() -> w.write(new float[5], 0, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    w.close();
    assertThatThrownBy(() -> w.write(new float[3])).isInstanceOf(IllegalStateException.class);
  }

  // --- helpers -------------------------------------------------------------------------------

  /** A .npy file with the given header text (padded as NumPy does) and {@code rows} of data. */
  private static byte[] npy(int major, String dict, int dataBytes) {
    int prefix = major == 1 ? 10 : 12;
    int text = dict.length() + 1;
    int pad = (64 - (prefix + text) % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    ByteBuffer b = ByteBuffer.allocate(prefix + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) major).put((byte) 0);
    if (major == 1) {
      b.putShort((short) h.length);
    } else {
      b.putInt(h.length);
    }
    b.put(h);
    return b.array();
  }

  private static FloatMatrix randomFloats(SplittableRandom rnd, int rows, int dim) {
    float[] v = new float[rows * dim];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return FloatMatrix.of(v, dim);
  }

  private static IntMatrix randomInts(SplittableRandom rnd, int rows, int dim) {
    int[] v = new int[rows * dim];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextInt();
    }
    return IntMatrix.of(v, dim);
  }
}
