package dev.shortlist.ranking;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The top levels of perfect trees with SIMD over rows, on the incubating Vector API.
 *
 * <p>A gather per node and lane would be slow, so this evaluates <em>every</em> node of the top
 * levels for every row instead, which needs only contiguous loads (the block is feature-major):
 * node {@code k} sets bit {@code k} of a per-row word where the row goes left (one signed int
 * comparison of keys, see {@link TreeEnsemble#key}). Then {@code levels} steps of {@code i = 2i + 2 - ((word >>> i) &
 * 1)}, with a per-lane variable shift, give each row's position. The top five levels cost 31
 * compares per row instead of five dependent, gathered steps; the deeper levels, where nodes are
 * many, stay with the scalar walk. Four vectors of rows share each node's scalar loads.
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
    for (int r = 0; r < n; r += CHUNK) {
      IntVector w0 = IntVector.zero(INTS);
      IntVector w1 = w0;
      IntVector w2 = w0;
      IntVector w3 = w0;
      for (int k = 0; k < nodes; k++) {
        int at = feat[nodeBase + k] + r;
        int t = thr[nodeBase + k];
        int bit = 1 << k;
        w0 = w0.lanewise(VectorOperators.OR, bit, IntVector.fromArray(INTS, kb, at).lt(t));
        w1 = w1.lanewise(VectorOperators.OR, bit, IntVector.fromArray(INTS, kb, at + LANES).lt(t));
        w2 = w2.lanewise(VectorOperators.OR, bit, IntVector.fromArray(INTS, kb, at + 2 * LANES).lt(t));
        w3 = w3.lanewise(VectorOperators.OR, bit, IntVector.fromArray(INTS, kb, at + 3 * LANES).lt(t));
      }
      IntVector i0 = IntVector.zero(INTS);
      IntVector i1 = i0;
      IntVector i2 = i0;
      IntVector i3 = i0;
      for (int level = 0; level < levels; level++) {
        i0 = i0.add(i0).add(two).sub(w0.lanewise(VectorOperators.LSHR, i0).and(one));
        i1 = i1.add(i1).add(two).sub(w1.lanewise(VectorOperators.LSHR, i1).and(one));
        i2 = i2.add(i2).add(two).sub(w2.lanewise(VectorOperators.LSHR, i2).and(one));
        i3 = i3.add(i3).add(two).sub(w3.lanewise(VectorOperators.LSHR, i3).and(one));
      }
      i0.intoArray(idx, r);
      i1.intoArray(idx, r + LANES);
      i2.intoArray(idx, r + 2 * LANES);
      i3.intoArray(idx, r + 3 * LANES);
    }
  }

  @Override
  String name() {
    return "SIMD (" + LANES + " lanes)";
  }
}
