package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fast paths of {@link TreeEnsemble} (blocked, perfect layout with int keys, scalar and SIMD
 * top levels) against its node-by-node reference, bit for bit, on random ensembles
 * built to hit the edge cases: unbalanced and deep trees, rows exactly on thresholds, ±0, ±∞,
 * NaN, infinite and NaN thresholds, zero-as-missing splits, float and double sums.
 */
class TreeEnsembleKernelTest {

  final long seed = Long.getLong("shortlist.test.seed", 0x7EE5L);

  static final float[] SPECIAL = {0f, -0f, 1f, -1f, 0.5f, 1e-36f, -1e-36f, 1e-35f, -1e-35f,
      Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};

  /** A random tree over {@code features}, up to {@code maxDepth} deep, leaves at any depth. */
  static TreeSpec randomTree(Random rnd, int features, int maxDepth, boolean lightgbm, float[] pool) {
    List<int[]> children = new ArrayList<>();
    List<Integer> feature = new ArrayList<>();
    List<Float> threshold = new ArrayList<>();
    List<Boolean> nanRight = new ArrayList<>();
    List<Boolean> zero = new ArrayList<>();
    List<Double> leaf = new ArrayList<>();
    grow(rnd, features, maxDepth, 0, lightgbm, pool, children, feature, threshold, nanRight, zero, leaf);
    int n = children.size();
    int[] l = new int[n];
    int[] r = new int[n];
    int[] f = new int[n];
    float[] t = new float[n];
    boolean[] nr = new boolean[n];
    boolean[] z = new boolean[n];
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      l[i] = children.get(i)[0];
      r[i] = children.get(i)[1];
      f[i] = feature.get(i);
      t[i] = threshold.get(i);
      nr[i] = nanRight.get(i);
      z[i] = zero.get(i);
      v[i] = leaf.get(i);
    }
    return new TreeSpec(l, r, f, t, nr, z, v);
  }

  private static int grow(Random rnd, int features, int maxDepth, int depth, boolean lightgbm,
      float[] pool, List<int[]> children, List<Integer> feature, List<Float> threshold,
      List<Boolean> nanRight, List<Boolean> zero, List<Double> leaf) {
    int me = children.size();
    children.add(new int[] {-1, -1});
    boolean isLeaf = depth == maxDepth || (depth > 0 && rnd.nextInt(6) == 0);
    feature.add(isLeaf ? 0 : rnd.nextInt(features));
    float t = switch (rnd.nextInt(12)) {
      case 0 -> SPECIAL[rnd.nextInt(SPECIAL.length)];
      case 1 -> rnd.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
      case 2 -> lightgbm ? Float.NaN : 0f; // LightGBM's "nothing goes right"
      default -> pool[rnd.nextInt(pool.length)];
    };
    threshold.add(isLeaf ? 0f : t);
    nanRight.add(rnd.nextBoolean());
    zero.add(!isLeaf && lightgbm && rnd.nextInt(8) == 0);
    leaf.add(isLeaf ? (lightgbm ? rnd.nextGaussian() : (double) (float) rnd.nextGaussian()) : 0.0);
    if (!isLeaf) {
      int left = grow(rnd, features, maxDepth, depth + 1, lightgbm, pool, children, feature, threshold, nanRight, zero, leaf);
      int right = grow(rnd, features, maxDepth, depth + 1, lightgbm, pool, children, feature, threshold, nanRight, zero, leaf);
      children.get(me)[0] = left;
      children.get(me)[1] = right;
    }
    return me;
  }

  static TreeEnsemble randomEnsemble(Random rnd, int features, boolean lightgbm, float[] pool)
      throws ModelFormatException {
    List<TreeSpec> trees = new ArrayList<>();
    int count = 1 + rnd.nextInt(40);
    for (int t = 0; t < count; t++) {
      int depth = switch (rnd.nextInt(5)) {
        case 0 -> rnd.nextInt(3); // stumps and single leaves
        case 1 -> 9 + rnd.nextInt(4); // beyond the perfect layout
        default -> 3 + rnd.nextInt(6);
      };
      trees.add(randomTree(rnd, features, depth, lightgbm, pool));
    }
    return TreeEnsemble.build(Path.of("random"), i -> "tree " + i, features, trees, lightgbm,
        lightgbm ? 0 : (float) rnd.nextGaussian(),
        lightgbm ? TreeEnsemble.Link.SIGMOID_DOUBLE : TreeEnsemble.Link.SIGMOID_FLOAT, 1.5);
  }

  static float[] randomRows(Random rnd, int rows, int features, float[] pool, boolean nonFinite) {
    float[] x = new float[rows * features];
    for (int i = 0; i < x.length; i++) {
      int k = rnd.nextInt(10);
      x[i] = switch (k) {
        case 0, 1, 2 -> pool[rnd.nextInt(pool.length)]; // exactly on a threshold
        case 3 -> SPECIAL[rnd.nextInt(SPECIAL.length)];
        case 4 -> nonFinite ? new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}[rnd.nextInt(3)] : 0f;
        default -> (float) rnd.nextGaussian();
      };
    }
    return x;
  }

  @Test
  void fastPaths_equalTheReference_bitForBit() throws Exception {
    Random rnd = new Random(seed);
    List<TreeKernel> kernels = new ArrayList<>(List.of(TreeKernel.Scalar.INSTANCE, TreeKernel.DEFAULT));
    try {
      kernels.add(TreeKernel.simd());
    } catch (Throwable e) {
      System.out.println("SIMD kernel not available here: " + e);
    }
    for (int round = 0; round < 60; round++) {
      int features = 1 + rnd.nextInt(12);
      boolean lightgbm = rnd.nextBoolean();
      float[] pool = new float[8];
      for (int i = 0; i < pool.length; i++) {
        pool[i] = (float) rnd.nextGaussian();
      }
      TreeEnsemble e = randomEnsemble(rnd, features, lightgbm, pool);
      int rows = 1 + rnd.nextInt(300);
      boolean nonFinite = rnd.nextInt(3) == 0;
      float[] x = randomRows(rnd, rows, features, pool, nonFinite);
      int[] cols = new int[features];
      for (int j = 0; j < features; j++) {
        cols[j] = j;
      }
      for (boolean margin : new boolean[] {true, false}) {
        float[] expected = new float[rows];
        for (int r = 0; r < rows; r++) {
          expected[r] = e.referencePredict(java.util.Arrays.copyOfRange(x, r * features, (r + 1) * features), margin);
        }
        for (TreeKernel k : kernels) {
          float[] got = e.predict(k, x, 0, features, cols, rows, margin);
          for (int r = 0; r < rows; r++) {
            assertThat(got[r]).as("seed %d round %d (%s, %s, %s) row %d", seed, round, e, k.name(),
                lightgbm ? "double" : "float", r).isEqualTo(expected[r]);
          }
        }
      }
    }
  }

  @Test
  void simdKernel_isInUse_whenTheVectorModuleIsEnabled() {
    // The build runs tests with --add-modules jdk.incubator.vector.
    if (ModuleLayer.boot().findModule(TreeKernel.VECTOR_MODULE).isPresent()) {
      assertThat(TreeKernel.DEFAULT.name()).startsWith("SIMD");
    }
  }
}
