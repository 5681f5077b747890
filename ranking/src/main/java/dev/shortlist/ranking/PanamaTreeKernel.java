package dev.shortlist.ranking;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The top levels of perfect trees with SIMD over rows, on the incubating Vector API.
 *
 * <p>A gather per node and lane would be slow, so this evaluates <em>every</em> node of the top
 * levels for every row instead, which needs only contiguous loads (the block is feature-major).
 * Each node shifts a per-row word left by one and adds 1 where the row goes left (one signed int
 * comparison of keys, see {@link TreeEnsemble#key}; a true lane of the comparison's mask is -1, so
 * the word takes {@code 2w - mask}: two adds, no blend), which leaves node {@code k}'s bit at
 * {@code nodes - 1 - k}. Then {@code levels} steps of {@code i = 2i + 2 - ((word >>> (nodes - 1 -
 * i)) & 1)}, with a per-lane variable shift, give each row's position. The top five levels cost
 * 31 compares per row instead of five dependent, gathered steps; the deeper levels, where nodes
 * are many, stay with the scalar walk (evaluating all 32 nodes of a sixth level measured slower,
 * 3.5 against 1.7 ms for 1,000 rows and 300 trees). Four vectors of rows share each node's scalar
 * loads. (Adding the leaf values with a gather per vector of rows was tried: on AVX2 the
 * gather is not intrinsified and falls back to allocating code.)
 *
 * <p>Only {@link TreeKernel} may load this class, after checking that {@code jdk.incubator.vector}
 * is in the boot layer. Stateless and thread-safe.
 */
final class PanamaTreeKernel extends TreeKernel {

  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final int LANES = INTS.length();
  private static final int CHUNK = 4 * LANES;

  private PanamaTreeKernel() {}

  /**
   * The SIMD kernel.
   *
   * @throws UnsupportedOperationException if the preferred vectors are narrower than 128 bits or
   *     a block is not a whole number of chunks
   */
  static TreeKernel create() {
    if (INTS.vectorBitSize() < 128) {
      throw new UnsupportedOperationException(
          "preferred vector size is " + INTS.vectorBitSize() + " bits, less than 128");
    }
    if (TreeEnsemble.BLOCK % CHUNK != 0) {
      throw new UnsupportedOperationException(
          "block of " + TreeEnsemble.BLOCK + " rows is not a multiple of " + CHUNK);
    }
    return new PanamaTreeKernel();
  }

  @Override
  void top(int[] feat, int[] thr, int nodeBase, int levels, int[] kb, int n, int[] idx) {
    int nodes = (1 << levels) - 1;
    IntVector one = IntVector.broadcast(INTS, 1);
    IntVector two = IntVector.broadcast(INTS, 2);
    IntVector last = IntVector.broadcast(INTS, nodes - 1);
    for (int r = 0; r < n; r += CHUNK) {
      // Node k's "goes left" bit ends at position nodes - 1 - k: each node shifts the word left
      // and adds its bit (a true mask lane is -1, so subtracting it adds 1).
      IntVector w0 = IntVector.zero(INTS);
      IntVector w1 = w0;
      IntVector w2 = w0;
      IntVector w3 = w0;
      for (int k = 0; k < nodes; k++) {
        int at = feat[nodeBase + k] + r;
        int t = thr[nodeBase + k];
        w0 = w0.add(w0).sub(left(kb, at, t));
        w1 = w1.add(w1).sub(left(kb, at + LANES, t));
        w2 = w2.add(w2).sub(left(kb, at + 2 * LANES, t));
        w3 = w3.add(w3).sub(left(kb, at + 3 * LANES, t));
      }
      IntVector i0 = IntVector.zero(INTS);
      IntVector i1 = i0;
      IntVector i2 = i0;
      IntVector i3 = i0;
      for (int level = 0; level < levels; level++) {
        i0 = i0.add(i0).add(two).sub(w0.lanewise(VectorOperators.LSHR, last.sub(i0)).and(one));
        i1 = i1.add(i1).add(two).sub(w1.lanewise(VectorOperators.LSHR, last.sub(i1)).and(one));
        i2 = i2.add(i2).add(two).sub(w2.lanewise(VectorOperators.LSHR, last.sub(i2)).and(one));
        i3 = i3.add(i3).add(two).sub(w3.lanewise(VectorOperators.LSHR, last.sub(i3)).and(one));
      }
      i0.intoArray(idx, r);
      i1.intoArray(idx, r + LANES);
      i2.intoArray(idx, r + 2 * LANES);
      i3.intoArray(idx, r + 3 * LANES);
    }
  }

  /** -1 in the lanes whose key is below {@code t} (the row goes left), else 0. */
  private static IntVector left(int[] kb, int at, int t) {
    return (IntVector) IntVector.fromArray(INTS, kb, at).lt(t).toVector();
  }

  @Override
  String name() {
    return "SIMD (" + LANES + " lanes)";
  }
}
