package dev.shortlist.ranking;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The top levels of a perfect tree over a block of rows (see {@link TreeEnsemble}): a SIMD
 * implementation on the incubating Vector API when the JVM runs with {@code --add-modules
 * jdk.incubator.vector}, else scalar loops. Chosen once, as Lucene and {@code ExactIndex} do:
 * the Vector API class is loaded reflectively, only when the module is in the boot layer, and any
 * failure falls back to the scalar loops.
 *
 * <p>Implementations are stateless and thread-safe.
 */
abstract class TreeKernel {

  /** Levels the kernel evaluates at most ({@code 2^5 - 1 = 31} nodes, one bit each in an int). */
  static final int MAX_TOP_LEVELS = 5;

  static final String VECTOR_MODULE = "jdk.incubator.vector";

  /** The kernel in use. */
  static final TreeKernel DEFAULT = select();

  /**
   * Writes to {@code idx[r]}, for each row {@code r < n} of the block, the row's position in the
   * perfect tree after {@code levels} levels ({@code 2^levels - 1 ..  2^(levels+1) - 2}), going
   * right at node {@code i} exactly when {@code kb[feat[nodeBase + i] + r] >= thr[nodeBase + i]}
   * (signed ints: the keys of {@link TreeEnsemble#key}).
   *
   * @param feat per node, the offset of the row of keys it reads in {@code kb}
   * @param thr per node, the threshold's key
   * @param levels 1 to {@link #MAX_TOP_LEVELS}
   * @param kb the key block, feature-major with stride {@code BLOCK}; rows from {@code n} up to
   *     the block's end may hold anything (their positions are computed and ignored)
   */
  abstract void top(int[] feat, int[] thr, int nodeBase, int levels, int[] kb, int n, int[] idx);

  /** A name for messages, e.g. {@code "SIMD (8 lanes)"}. */
  abstract String name();

  /** Scalar loops, level by level over the block. */
  static final class Scalar extends TreeKernel {
    static final Scalar INSTANCE = new Scalar();

    @Override
    void top(int[] feat, int[] thr, int nodeBase, int levels, int[] kb, int n, int[] idx) {
      int f0 = feat[nodeBase];
      int t0 = thr[nodeBase];
      for (int r = 0; r < n; r++) {
        idx[r] = kb[f0 + r] >= t0 ? 2 : 1;
      }
      for (int level = 1; level < levels; level++) {
        for (int r = 0; r < n; r++) {
          int i = idx[r];
          int at = nodeBase + i;
          idx[r] = 2 * i + (kb[feat[at] + r] >= thr[at] ? 2 : 1);
        }
      }
    }

    @Override
    String name() {
      return "scalar";
    }
  }

  private static TreeKernel select() {
    System.Logger log = System.getLogger(TreeKernel.class.getName());
    if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
      log.log(System.Logger.Level.DEBUG,
          "{0} is not enabled; tree scoring uses scalar loops"
              + " (start the JVM with --add-modules {0} for SIMD)", VECTOR_MODULE);
      return Scalar.INSTANCE;
    }
    try {
      return simd();
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError e) {
        throw e;
      }
      log.log(System.Logger.Level.WARNING,
          "{0} is enabled but unusable here, tree scoring uses scalar loops: {1}",
          VECTOR_MODULE, t.toString());
      return Scalar.INSTANCE;
    }
  }

  /** The Vector API kernel, loaded reflectively so that no link to it exists otherwise. */
  static TreeKernel simd() throws Throwable {
    Class<?> impl = Class.forName(TreeKernel.class.getPackageName() + ".PanamaTreeKernel", true,
        TreeKernel.class.getClassLoader());
    return (TreeKernel) MethodHandles.lookup()
        .findStatic(impl, "create", MethodType.methodType(TreeKernel.class))
        .invoke();
  }
}
