package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorsTest {

  @Test
  void dot_matchesADoublePrecisionSum_atEveryLengthAndOffset() {
    Random rnd = new Random(11);
    float[] a = new float[300];
    float[] b = new float[300];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) rnd.nextGaussian();
      b[i] = (float) rnd.nextGaussian();
    }
    for (int length : new int[] {0, 1, 3, 7, 8, 15, 16, 31, 33, 64, 100, 128}) {
      for (int aOff : new int[] {0, 5, 100}) {
        int bOff = 150 - aOff;
        double expected = 0;
        for (int i = 0; i < length; i++) {
          expected += (double) a[aOff + i] * b[bOff + i];
        }
        assertThat((double) Vectors.dot(a, aOff, b, bOff, length))
            .as("length %d at offsets %d and %d", length, aOff, bOff)
            .isCloseTo(expected, within(1e-4 * Math.max(1, Math.sqrt(length))));
      }
    }
  }

  @Test
  void dot_outsideEitherArray_throwsNamingIt() {
    float[] a = new float[8];
    float[] b = new float[4];
    assertThatThrownBy(() -> Vectors.dot(a, 2, b, 0, 7))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("a: range [2, 2 + 7) is outside an array of 8");
    assertThatThrownBy(() -> Vectors.dot(a, 0, b, 1, 4))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("b: range [1, 1 + 4) is outside an array of 4");
    assertThatThrownBy(() -> Vectors.dot(a, 0, b, 0, -1))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageStartingWith("a: range [0, 0 + -1)");
    assertThatThrownBy(() -> Vectors.dot(null, 0, b, 0, 1))
        .isInstanceOf(NullPointerException.class).hasMessage("a");
  }
}
