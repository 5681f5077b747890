package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VectorMathTest {

  private static final long SEED = Long.getLong("shortlist.test.seed", 0x5EED_2026L);

  private static final VectorMath SCALAR = ScalarVectorMath.INSTANCE;

  private static VectorMath panama() throws Throwable {
    return VectorMathProvider.panama();
  }

  private static float[] random(Random random, int length) {
    float[] v = new float[length];
    for (int i = 0; i < length; i++) {
      v[i] = (float) (random.nextGaussian() * 3);
    }
    return v;
  }

  private static double dotReference(float[] a, int aOff, float[] b, int bOff, int len) {
    double s = 0;
    for (int i = 0; i < len; i++) {
      s += (double) a[aOff + i] * b[bOff + i];
    }
    return s;
  }

  private static double squareDistanceReference(float[] a, int aOff, float[] b, int bOff,
      int len) {
    double s = 0;
    for (int i = 0; i < len; i++) {
      double d = (double) a[aOff + i] - b[bOff + i];
      s += d * d;
    }
    return s;
  }

  /** A bound on float summation error: relative to the sum of absolute terms. */
  private static double tolerance(float[] a, int aOff, float[] b, int bOff, int len) {
    double abs = 0;
    for (int i = 0; i < len; i++) {
      double d = Math.abs((double) a[aOff + i]) + Math.abs((double) b[bOff + i]);
      abs += d * d;
    }
    return 1e-5 * (1 + abs);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 8, 15, 16, 31, 63, 64, 65, 129, 1000})
  void panamaAndScalar_agreeWithEachOtherAndWithDoublePrecision(int length) throws Throwable {
    VectorMath panama = panama();
    Random random = new Random(SEED + length);
    for (int trial = 0; trial < 20; trial++) {
      int aOff = random.nextInt(5);
      int bOff = random.nextInt(70);
      float[] a = random(random, aOff + length + random.nextInt(3));
      float[] b = random(random, bOff + length);
      String context = "seed=" + SEED + ", length " + length + ", trial " + trial;
      double tol = tolerance(a, aOff, b, bOff, length);

      double dot = dotReference(a, aOff, b, bOff, length);
      assertThat((double) SCALAR.dot(a, aOff, b, bOff, length)).as("scalar dot, " + context)
          .isCloseTo(dot, within(tol));
      assertThat((double) panama.dot(a, aOff, b, bOff, length)).as("panama dot, " + context)
          .isCloseTo(dot, within(tol));
      assertThat(panama.dot(a, aOff, b, bOff, length)).as("panama vs scalar dot, " + context)
          .isCloseTo(SCALAR.dot(a, aOff, b, bOff, length), within((float) tol));

      double sq = squareDistanceReference(a, aOff, b, bOff, length);
      assertThat((double) SCALAR.squareDistance(a, aOff, b, bOff, length))
          .as("scalar squareDistance, " + context).isCloseTo(sq, within(tol));
      assertThat((double) panama.squareDistance(a, aOff, b, bOff, length))
          .as("panama squareDistance, " + context).isCloseTo(sq, within(tol));
      assertThat(panama.squareDistance(a, aOff, b, bOff, length))
          .as("panama vs scalar squareDistance, " + context)
          .isCloseTo(SCALAR.squareDistance(a, aOff, b, bOff, length), within((float) tol));
    }
  }

  @Test
  void kernels_onIdenticalSlices_giveZeroDistanceAndTheSquaredNorm() throws Throwable {
    float[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    for (VectorMath math : new VectorMath[] {SCALAR, panama()}) {
      assertThat(math.squareDistance(a, 0, a, 0, a.length)).as(math.description()).isZero();
      assertThat(math.dot(a, 0, a, 0, a.length)).as(math.description()).isEqualTo(2470f);
      assertThat(math.dot(a, 2, a, 0, 0)).as(math.description() + ", empty").isZero();
    }
  }

  @Test
  void selectedImplementation_isPanama_whenTheVectorModuleIsPresent() {
    assertThat(ModuleLayer.boot().findModule(VectorMathProvider.VECTOR_MODULE))
        .as("Surefire must run tests with --add-modules jdk.incubator.vector")
        .isPresent();

    assertThat(VectorMath.get()).isInstanceOf(PanamaVectorMath.class);
    assertThat(VectorMath.get().description()).startsWith("Panama Vector API (");
    assertThat(SCALAR.description()).isEqualTo("scalar");
  }
}
