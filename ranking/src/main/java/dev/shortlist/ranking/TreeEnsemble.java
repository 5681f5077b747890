package dev.shortlist.ranking;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A tree ensemble flattened for fast evaluation: the margin of a row is {@code base + Σ_t
 * leaf_t(row)}, summed tree by tree in model order, in {@code float} (as XGBoost does) or {@code
 * double} (as LightGBM does), so that results reproduce the training library's own.
 *
 * <h2>Evaluation</h2>
 *
 * Rows are evaluated in blocks of {@link #BLOCK}, copied feature-major into a small scratch array
 * (only the features some split reads), and each tree is applied to the whole block before
 * the next tree, so the tree's nodes stay in L1 while {@code BLOCK} rows go through it.
 *
 * <p>A tree of depth at most {@link #MAX_PERFECT_DEPTH} is stored as a <em>perfect</em> binary
 * tree in breadth-first order (node {@code i} has children {@code 2i+1} and {@code 2i+2}); a leaf
 * above the last level is padded down to the last level with nodes that all lead to copies of
 * its value. Every row then takes exactly {@code depth} steps of {@code i = 2i + 1 + (x >= t)},
 * with no data-dependent branch, and the rows of a block are independent, so the CPU overlaps
 * their loads (level by level over the block): the branch-free, data-parallel traversal of Asadi,
 * Lin and de Vries, <i>Runtime Optimizations for Tree-Based Machine Learning Models</i> (IEEE
 * TKDE 2014), with the blocking of Lucchese et al., <i>QuickScorer</i> (SIGIR 2015) §5. The top
 * five levels go through a {@link TreeKernel}, with SIMD over rows when the Vector API is enabled
 * (see {@code PanamaTreeKernel}).
 *
 * <p>Comparisons there are on ints: each value becomes a key whose signed order is the floats'
 * order ({@link #key}), and each used feature is copied twice into the block, once with a missing
 * value (NaN) as {@link Integer#MIN_VALUE} (left at every node) and once as {@link
 * Integer#MAX_VALUE} (right at every node); each node reads the copy of its own default side. So
 * one comparison decides finite values, infinities and missing values alike, with no branch.
 *
 * <p>Deeper trees, and LightGBM trees with zero-as-missing splits whose threshold lies inside the
 * zero band, are walked node by node with explicit children, which is also the reference the fast
 * path is tested against ({@link #referencePredict}).
 *
 * <p>Immutable and thread-safe; scratch space is allocated per call.
 */
final class TreeEnsemble {

  /**
   * Rows per block. With 64, the key block of 40 features (two int rows each) is 20 KB and stays
   * in a 32 KB L1 cache; 128 rows (40 KB) measured 5–10% slower for 1,000 rows and 300 trees.
   */
  static final int BLOCK = 64;

  /** Trees up to this depth use the perfect (branch-free) layout. */
  static final int MAX_PERFECT_DEPTH = 8;

  /** LightGBM's {@code kZeroThreshold}: values within ±this count as zero. */
  static final float ZERO_THRESHOLD = 1e-35f;

  /** How a margin becomes the model's output. */
  enum Link {
    /** The margin itself. */
    IDENTITY,
    /** XGBoost's float sigmoid, {@code 1 / (1 + exp(-m))}. */
    SIGMOID_FLOAT,
    /** LightGBM's double sigmoid with its scale, {@code 1 / (1 + exp(-σ m))}. */
    SIGMOID_DOUBLE
  }

  final int numFeatures;
  final int numTrees;
  final boolean doubleSum;
  final double base;
  final Link link;
  final double sigmoidScale;
  final int perfectTrees;

  // The features some split reads, in model order; only these are copied into a block, where
  // feature used[u] is at slot u (slot[f] for model feature f).
  private final int[] used;
  private final int[] slot;

  // Per tree: depth in the perfect layout, or -1 for the general layout.
  private final int[] perfectDepth;
  private final int[] pNodeBase;
  private final int[] pLeafBase;
  // Perfect layout: per node, the offset of its feature's row in the key block (which of the
  // feature's two rows depends on the node's side for NaN, see predict) and the threshold's key.
  private final int[] pFeat;
  private final int[] pThr;
  private final float[] pLeafF;
  private final double[] pLeafD;

  // General layout (every tree, also the reference): children are node indexes relative to the
  // tree's base, or ~leaf for leaves.
  private final int[] gRoot;
  private final int[] gNodeBase;
  private final int[] gLeafBase;
  private final int[] gFeat;
  private final float[] gThr;
  private final int[] gLeft;
  private final int[] gRight;
  private final boolean[] gNanRight;
  private final boolean[] gZero;
  private final float[] gLeafF;
  private final double[] gLeafD;
  private final boolean anyGeneral;

  private TreeEnsemble(int numFeatures, List<TreeSpec> trees, boolean doubleSum, double base,
      Link link, double sigmoidScale, int[] depths, boolean[] special) {
    this.numFeatures = numFeatures;
    this.numTrees = trees.size();
    this.doubleSum = doubleSum;
    this.base = base;
    this.link = link;
    this.sigmoidScale = sigmoidScale;

    // Features read by some split.
    boolean[] read = new boolean[numFeatures];
    for (TreeSpec t : trees) {
      for (int i = 0; i < t.nodes(); i++) {
        if (!t.isLeaf(i)) {
          read[t.feature()[i]] = true;
        }
      }
    }
    slot = new int[numFeatures];
    int count = 0;
    for (int f = 0; f < numFeatures; f++) {
      slot[f] = read[f] ? count++ : 0;
    }
    used = new int[count];
    for (int f = 0; f < numFeatures; f++) {
      if (read[f]) {
        used[slot[f]] = f;
      }
    }

    // General layout.
    int totalNodes = 0;
    int totalLeaves = 0;
    for (TreeSpec t : trees) {
      totalNodes += t.nodes();
    }
    gRoot = new int[numTrees];
    gNodeBase = new int[numTrees];
    gLeafBase = new int[numTrees];
    gFeat = new int[totalNodes];
    gThr = new float[totalNodes];
    gLeft = new int[totalNodes];
    gRight = new int[totalNodes];
    gNanRight = new boolean[totalNodes];
    gZero = new boolean[totalNodes];
    double[] leaves = new double[totalNodes];
    int nodeAt = 0;
    for (int ti = 0; ti < numTrees; ti++) {
      TreeSpec t = trees.get(ti);
      int n = t.nodes();
      // Number internal nodes and leaves separately, in node order.
      int[] renumber = new int[n];
      int internal = 0;
      int leafCount = 0;
      for (int i = 0; i < n; i++) {
        renumber[i] = t.isLeaf(i) ? ~(leafCount++) : internal++;
      }
      gNodeBase[ti] = nodeAt;
      gLeafBase[ti] = totalLeaves;
      gRoot[ti] = renumber[0];
      for (int i = 0; i < n; i++) {
        int r = renumber[i];
        if (r < 0) {
          leaves[totalLeaves + ~r] = t.leafValue()[i];
        } else {
          int at = nodeAt + r;
          gFeat[at] = slot[t.feature()[i]] * BLOCK;
          gThr[at] = t.threshold()[i];
          gLeft[at] = renumber[t.left()[i]];
          gRight[at] = renumber[t.right()[i]];
          gNanRight[at] = t.nanRight()[i];
          gZero[at] = t.zeroMissing()[i];
        }
      }
      nodeAt += internal;
      totalLeaves += leafCount;
    }
    if (doubleSum) {
      gLeafD = Arrays.copyOf(leaves, totalLeaves);
      gLeafF = null;
    } else {
      gLeafF = new float[totalLeaves];
      for (int i = 0; i < totalLeaves; i++) {
        gLeafF[i] = (float) leaves[i];
      }
      gLeafD = null;
    }

    // Perfect layout for the shallow trees.
    perfectDepth = new int[numTrees];
    pNodeBase = new int[numTrees];
    pLeafBase = new int[numTrees];
    int pNodes = 0;
    int pLeaves = 0;
    count = 0;
    for (int ti = 0; ti < numTrees; ti++) {
      if (depths[ti] <= MAX_PERFECT_DEPTH && !special[ti]) {
        perfectDepth[ti] = depths[ti];
        pNodeBase[ti] = pNodes;
        pLeafBase[ti] = pLeaves;
        pNodes += (1 << depths[ti]) - 1;
        pLeaves += 1 << depths[ti];
        count++;
      } else {
        perfectDepth[ti] = -1;
      }
    }
    perfectTrees = count;
    anyGeneral = count < numTrees;
    pFeat = new int[pNodes];
    pThr = new int[pNodes];
    double[] pLeaves0 = new double[pLeaves];
    for (int ti = 0; ti < numTrees; ti++) {
      if (perfectDepth[ti] >= 0) {
        fillPerfect(trees.get(ti), 0, 0, 0, perfectDepth[ti], pNodeBase[ti], pLeafBase[ti], pLeaves0);
      }
    }
    if (doubleSum) {
      pLeafD = pLeaves0;
      pLeafF = null;
    } else {
      pLeafF = new float[pLeaves];
      for (int i = 0; i < pLeaves; i++) {
        pLeafF[i] = (float) pLeaves0[i];
      }
      pLeafD = null;
    }
  }

  /** Places {@code node} of {@code t} at position {@code pos} of level {@code level}. */
  private void fillPerfect(TreeSpec t, int node, int pos, int level, int depth, int nodeBase,
      int leafBase, double[] leaves) {
    if (level == depth) {
      leaves[leafBase + pos - ((1 << depth) - 1)] = t.leafValue()[node];
      return;
    }
    int at = nodeBase + pos;
    if (t.isLeaf(node)) {
      // Padding: every leaf below gets the value, so the direction taken does not matter.
      pFeat[at] = 0;
      pThr[at] = NEVER_RIGHT;
      fillPerfect(t, node, 2 * pos + 1, level + 1, depth, nodeBase, leafBase, leaves);
      fillPerfect(t, node, 2 * pos + 2, level + 1, depth, nodeBase, leafBase, leaves);
      return;
    }
    pFeat[at] = (2 * slot[t.feature()[node]] + (t.nanRight()[node] ? 1 : 0)) * BLOCK;
    float threshold = t.threshold()[node];
    pThr[at] = threshold != threshold ? NEVER_RIGHT : key(threshold);
    fillPerfect(t, t.left()[node], 2 * pos + 1, level + 1, depth, nodeBase, leafBase, leaves);
    fillPerfect(t, t.right()[node], 2 * pos + 2, level + 1, depth, nodeBase, leafBase, leaves);
  }

  /**
   * Checks the trees and flattens them.
   *
   * @param numFeatures the features of a row; every split must read one of them
   * @param doubleSum whether to sum leaves in double (LightGBM) rather than float (XGBoost)
   * @param base the margin before the first tree (float-exact when {@code !doubleSum})
   * @param where names tree {@code t} in error messages (e.g. a JSON path or a line)
   * @throws ModelFormatException naming the tree and node if a tree is malformed: a child out of
   *     range, a node reached twice (a cycle or a shared subtree), a feature out of range, a
   *     non-finite leaf, or leaves large enough to overflow the sum
   */
  static TreeEnsemble build(Path file, IntFunction<String> where, int numFeatures, List<TreeSpec> trees,
      boolean doubleSum, double base, Link link, double sigmoidScale) throws ModelFormatException {
    int[] depths = new int[trees.size()];
    boolean[] special = new boolean[trees.size()];
    List<TreeSpec> compact = new java.util.ArrayList<>(trees.size());
    double maxSum = Math.abs(base);
    for (int ti = 0; ti < trees.size(); ti++) {
      TreeSpec t = trees.get(ti);
      int n = t.nodes();
      if (n == 0) {
        throw new ModelFormatException(file, where.apply(ti), "tree has no nodes");
      }
      if (t.right().length != n || t.feature().length != n || t.threshold().length != n
          || t.nanRight().length != n || t.zeroMissing().length != n || t.leafValue().length != n) {
        throw new ModelFormatException(file, where.apply(ti), "node arrays differ in length");
      }
      // Walk from the root, breadth first and without recursion: each node must be reached
      // exactly once. Unreachable nodes (XGBoost keeps pruned ones) are dropped.
      int[] order = new int[n];
      int[] newIndex = new int[n];
      int[] depth = new int[n];
      Arrays.fill(newIndex, -1);
      int head = 0;
      int tail = 0;
      order[tail++] = 0;
      newIndex[0] = 0;
      int maxDepth = 0;
      double maxLeaf = 0;
      while (head < tail) {
        int i = order[head++];
        if (t.isLeaf(i)) {
          double v = t.leafValue()[i];
          if (!Double.isFinite(v) || (!doubleSum && !Float.isFinite((float) v))) {
            throw new ModelFormatException(file, where.apply(ti), "leaf " + i + " has value " + v);
          }
          maxLeaf = Math.max(maxLeaf, Math.abs(v));
          maxDepth = Math.max(maxDepth, depth[i]);
          continue;
        }
        int f = t.feature()[i];
        if (f < 0 || f >= numFeatures) {
          throw new ModelFormatException(file, where.apply(ti),
              "node " + i + " splits on feature " + f + ", but the model has " + numFeatures
                  + " features");
        }
        if (t.zeroMissing()[i]) {
          special[ti] = true;
        }
        for (int child : new int[] {t.left()[i], t.right()[i]}) {
          if (child <= 0 || child >= n) {
            throw new ModelFormatException(file, where.apply(ti),
                "node " + i + " has child " + child + ", outside 1.." + (n - 1));
          }
          if (newIndex[child] >= 0) {
            throw new ModelFormatException(file, where.apply(ti),
                "node " + child + " is reached twice (a cycle or a shared subtree)");
          }
          newIndex[child] = tail;
          depth[child] = depth[i] + 1;
          order[tail++] = child;
        }
      }
      depths[ti] = maxDepth;
      maxSum += maxLeaf;
      compact.add(tail == n && isIdentity(order) ? t : compact(t, order, tail, newIndex));
    }
    if (!(maxSum < (doubleSum ? Double.MAX_VALUE : Float.MAX_VALUE) / 2)) {
      throw new ModelFormatException(file, "",
          "leaf values are so large that the sum of " + trees.size() + " trees could overflow");
    }
    return new TreeEnsemble(numFeatures, compact, doubleSum, base, link, sigmoidScale, depths, special);
  }

  private static boolean isIdentity(int[] order) {
    for (int i = 0; i < order.length; i++) {
      if (order[i] != i) {
        return false;
      }
    }
    return true;
  }

  /** The {@code count} reachable nodes of {@code t}, in {@code order}, renumbered. */
  private static TreeSpec compact(TreeSpec t, int[] order, int count, int[] newIndex) {
    int[] left = new int[count];
    int[] right = new int[count];
    int[] feature = new int[count];
    float[] threshold = new float[count];
    boolean[] nanRight = new boolean[count];
    boolean[] zero = new boolean[count];
    double[] leaf = new double[count];
    for (int k = 0; k < count; k++) {
      int i = order[k];
      if (t.isLeaf(i)) {
        left[k] = -1;
        right[k] = -1;
        leaf[k] = t.leafValue()[i];
      } else {
        left[k] = newIndex[t.left()[i]];
        right[k] = newIndex[t.right()[i]];
        feature[k] = t.feature()[i];
        threshold[k] = t.threshold()[i];
        nanRight[k] = t.nanRight()[i];
        zero[k] = t.zeroMissing()[i];
      }
    }
    return new TreeSpec(left, right, feature, threshold, nanRight, zero, leaf);
  }

  /** The threshold key of a NaN threshold (nothing but a missing value sent right goes right). */
  static final int NEVER_RIGHT = Integer.MAX_VALUE;

  /**
   * An int whose signed order is the order of the floats (for all but NaN): {@code a < b} exactly
   * when {@code key(a) < key(b)}, with -0 equal to +0. Keys range over {@code [key(-∞), key(+∞)]}
   * = {@code [0x807FFFFF, 0x7F800000]}, strictly inside the int range, which leaves
   * {@link Integer#MIN_VALUE} and {@link Integer#MAX_VALUE} free to stand for a missing value
   * that must go left, or right, at every node.
   */
  static int key(float f) {
    int bits = Float.floatToRawIntBits(f + 0.0f); // -0 becomes +0
    return bits ^ ((bits >> 31) & 0x7FFFFFFF);
  }

  /**
   * The outputs for {@code rows} rows read from {@code x}: row {@code r}'s value of model feature
   * {@code j} is {@code x[offset + r * stride + cols[j]]}; NaN is a missing value.
   *
   * @param margin whether to return the raw margin rather than the transformed output
   */
  float[] predict(float[] x, int offset, int stride, int[] cols, int rows, boolean margin) {
    return predict(TreeKernel.DEFAULT, x, offset, stride, cols, rows, margin);
  }

  /** {@link #predict} with the given kernel (tests compare the scalar and SIMD ones). */
  float[] predict(TreeKernel kernel, float[] x, int offset, int stride, int[] cols, int rows,
      boolean margin) {
    assert cols.length == numFeatures;
    float[] out = new float[rows];
    int slots = Math.max(1, used.length);
    // The key block: for each used feature, two rows of keys, the first with NaN as MIN_VALUE
    // (left at every node), the second with NaN as MAX_VALUE (right at every node); a node reads
    // the row of its side for NaN, so that one signed int comparison decides every value.
    int[] kb = perfectTrees > 0 ? new int[2 * slots * BLOCK] : null;
    // The float block, for the trees walked node by node.
    float[] xb = anyGeneral ? new float[slots * BLOCK] : null;
    int[] idx = new int[BLOCK];
    float[] accF = doubleSum ? null : new float[BLOCK];
    double[] accD = doubleSum ? new double[BLOCK] : null;
    for (int row0 = 0; row0 < rows; row0 += BLOCK) {
      int n = Math.min(BLOCK, rows - row0);
      int from = offset + row0 * stride;
      for (int u = 0; u < used.length; u++) {
        int c = from + cols[used[u]];
        if (kb != null) {
          int left = 2 * u * BLOCK;
          int right = left + BLOCK;
          for (int r = 0, at = c; r < n; r++, at += stride) {
            float v = x[at];
            boolean missing = v != v;
            int k = key(v);
            kb[left + r] = missing ? Integer.MIN_VALUE : k;
            kb[right + r] = missing ? Integer.MAX_VALUE : k;
          }
        }
        if (xb != null) {
          int jb = u * BLOCK;
          for (int r = 0, at = c; r < n; r++, at += stride) {
            xb[jb + r] = x[at];
          }
        }
      }
      if (doubleSum) {
        Arrays.fill(accD, 0, n, base);
      } else {
        Arrays.fill(accF, 0, n, (float) base);
      }
      for (int t = 0; t < numTrees; t++) {
        int d = perfectDepth[t];
        if (d >= 0) {
          perfect(kernel, pNodeBase[t], d, kb, n, idx);
          int leaf0 = pLeafBase[t] - ((1 << d) - 1);
          if (doubleSum) {
            for (int r = 0; r < n; r++) {
              accD[r] += pLeafD[leaf0 + idx[r]];
            }
          } else {
            for (int r = 0; r < n; r++) {
              accF[r] += pLeafF[leaf0 + idx[r]];
            }
          }
        } else {
          general(t, xb, n, idx);
          int leaf0 = gLeafBase[t];
          if (doubleSum) {
            for (int r = 0; r < n; r++) {
              accD[r] += gLeafD[leaf0 + idx[r]];
            }
          } else {
            for (int r = 0; r < n; r++) {
              accF[r] += gLeafF[leaf0 + idx[r]];
            }
          }
        }
      }
      for (int r = 0; r < n; r++) {
        out[row0 + r] = doubleSum ? output(accD[r], margin) : output(accF[r], margin);
      }
    }
    return out;
  }

  /**
   * Leaf positions ({@code 2^depth - 1 .. 2^(depth+1) - 2}) of the block's rows: the top levels
   * by {@code kernel}, the rest by branch-free scalar steps.
   */
  private void perfect(TreeKernel kernel, int nodeBase, int depth, int[] kb, int n, int[] idx) {
    if (depth == 0) {
      Arrays.fill(idx, 0, n, 0);
      return;
    }
    int top = Math.min(depth, TreeKernel.MAX_TOP_LEVELS);
    kernel.top(pFeat, pThr, nodeBase, top, kb, n, idx);
    final int[] feat = pFeat;
    final int[] thr = pThr;
    for (int level = top; level < depth; level++) {
      for (int r = 0; r < n; r++) {
        int i = idx[r];
        int at = nodeBase + i;
        idx[r] = 2 * i + (kb[feat[at] + r] >= thr[at] ? 2 : 1);
      }
    }
  }

  /** Leaf numbers (relative to the tree's first leaf) by walking explicit children. */
  private void general(int t, float[] xb, int n, int[] idx) {
    int base = gNodeBase[t];
    int root = gRoot[t];
    for (int r = 0; r < n; r++) {
      int node = root;
      while (node >= 0) {
        int at = base + node;
        float v = xb[gFeat[at] + r];
        boolean right;
        if (v != v) {
          right = gNanRight[at];
        } else if (gZero[at] && v >= -ZERO_THRESHOLD && v <= ZERO_THRESHOLD) {
          right = gNanRight[at];
        } else {
          right = v >= gThr[at];
        }
        node = right ? gRight[at] : gLeft[at];
      }
      idx[r] = ~node;
    }
  }

  /**
   * The output for one row by walking every tree node by node, without the perfect layout or
   * blocking: the reference the fast path is tested against.
   */
  float referencePredict(float[] row, boolean margin) {
    double accD = base;
    float accF = (float) base;
    float[] xb = new float[Math.max(1, used.length) * BLOCK];
    for (int u = 0; u < used.length; u++) {
      xb[u * BLOCK] = row[used[u]];
    }
    int[] idx = new int[1];
    for (int t = 0; t < numTrees; t++) {
      general(t, xb, 1, idx);
      if (doubleSum) {
        accD += gLeafD[gLeafBase[t] + idx[0]];
      } else {
        accF += gLeafF[gLeafBase[t] + idx[0]];
      }
    }
    return doubleSum ? output(accD, margin) : output(accF, margin);
  }

  private float output(float m, boolean margin) {
    if (margin || link == Link.IDENTITY) {
      return m;
    }
    if (link == Link.SIGMOID_FLOAT) {
      // XGBoost's common::Sigmoid: 1 / (1 + expf(min(-x, 88.7))).
      float e = (float) Math.exp(Math.min(-m, 88.7f));
      return 1.0f / (e + 1.0f);
    }
    return (float) (1.0 / (1.0 + Math.exp(-sigmoidScale * m)));
  }

  private float output(double m, boolean margin) {
    if (margin || link == Link.IDENTITY) {
      return (float) m;
    }
    if (link == Link.SIGMOID_FLOAT) {
      return output((float) m, false);
    }
    return (float) (1.0 / (1.0 + Math.exp(-sigmoidScale * m)));
  }

  @Override
  public String toString() {
    return numTrees + " trees (" + perfectTrees + " branch-free), " + numFeatures + " features";
  }
}
