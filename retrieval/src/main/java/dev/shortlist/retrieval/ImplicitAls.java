package dev.shortlist.retrieval;

import dev.shortlist.core.eval.Interactions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Learns user and item embeddings from implicit feedback by alternating least squares, the
 * weighted matrix factorisation of Hu, Koren and Volinsky, "Collaborative Filtering for Implicit
 * Feedback Datasets" (ICDM 2008).
 *
 * <p>Every (user, item) pair has a preference {@code p = 1} if the user interacted with the item
 * and 0 otherwise, with confidence {@code c = 1 + alpha × (number of interactions)} for observed
 * pairs and 1 for the rest. The embeddings {@code x_u}, {@code y_i} of {@code factors} dimensions
 * minimise
 *
 * <pre>  L = Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ (Σ_u |x_u|² + Σ_i |y_i|²)</pre>
 *
 * over all pairs. Each half-iteration fixes one side and solves every row of the other:
 * {@code x_u = (YᵀY + Σ_{i∈I(u)} (c_ui − 1) y_i y_iᵀ + λI)⁻¹ Σ_{i∈I(u)} c_ui y_i}, with the shared
 * Gram matrix {@code YᵀY} computed once per half-iteration. By default a few conjugate-gradient
 * steps from the current value approximate the solution ({@code O(f² + f n_u)} per step and
 * row); {@link Builder#conjugateGradientSteps(int) 0 steps} solve exactly by Cholesky
 * factorisation ({@code O(f² n_u + f³)} per row), so that {@code L} never increases. Rows are solved in parallel on
 * the common pool; each depends only on the fixed side, so results do not depend on thread
 * timing, and a seed fixes the initialisation: same data and settings, same embeddings.
 *
 * <p>A few iterations on MovieLens small (≈50,000 positives, 64 factors) take a few seconds.
 * Ratings are not used: which interactions count is the reader's choice (e.g. ratings ≥ 4).
 *
 * <p>Immutable and thread-safe.
 */
public final class ImplicitAls {

  private final int factors;
  private final double regularization;
  private final double alpha;
  private final int iterations;
  private final long seed;
  private final int cgSteps;

  private ImplicitAls(Builder b) {
    this.cgSteps = b.cgSteps;
    this.factors = b.factors;
    this.regularization = b.regularization;
    this.alpha = b.alpha;
    this.iterations = b.iterations;
    this.seed = b.seed;
  }

  /** A trainer with 64 factors, λ = 0.1, alpha = 10, 10 iterations, seed 1. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Learns embeddings of the users and items of {@code train}.
   *
   * @throws IllegalArgumentException if {@code train} is empty
   */
  public Embeddings fit(Interactions train) {
    return fit(train, null);
  }

  /**
   * Learns embeddings, reporting the loss {@code L} after each iteration to {@code lossPerIteration}
   * (null: not computed).
   */
  public Embeddings fit(Interactions train, java.util.function.DoubleConsumer lossPerIteration) {
    if (train.size() == 0) {
      throw new IllegalArgumentException("train must not be empty");
    }
    Data d = Data.of(train);
    int f = factors;
    Random rnd = new Random(seed);
    double[] x = new double[d.users.length * f];
    double[] y = new double[d.items.length * f];
    double scale = 0.1 / Math.sqrt(f);
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextGaussian() * scale;
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = rnd.nextGaussian() * scale;
    }
    for (int it = 0; it < iterations; it++) {
      solve(x, y, d.userStart, d.userItems, d.userCounts);
      solve(y, x, d.itemStart, d.itemUsers, d.itemCounts);
      if (lossPerIteration != null) {
        lossPerIteration.accept(loss(x, y, d));
      }
    }
    return new Embeddings(d.users, d.items, toFloats(x), toFloats(y), f);
  }

  /**
   * Solves every row of {@code out} given {@code fixed}: CSR rows {@code start}/{@code cols} with
   * interaction counts {@code counts}.
   */
  private void solve(double[] out, double[] fixed, int[] start, int[] cols, float[] counts) {
    int f = factors;
    double[] gram = new double[f * f];
    int fixedRows = fixed.length / f;
    for (int r = 0; r < fixedRows; r++) {
      int o = r * f;
      for (int a = 0; a < f; a++) {
        double va = fixed[o + a];
        if (va == 0) {
          continue;
        }
        for (int b = a; b < f; b++) {
          gram[a * f + b] += va * fixed[o + b];
        }
      }
    }
    for (int a = 0; a < f; a++) {
      for (int b = 0; b < a; b++) {
        gram[a * f + b] = gram[b * f + a];
      }
    }
    int rows = start.length - 1;
    if (cgSteps > 0) {
      IntStream.range(0, rows).parallel().forEach(row ->
          conjugateGradient(out, fixed, gram, start[row], start[row + 1], cols, counts, row));
      return;
    }
    IntStream.range(0, rows).parallel().forEach(row -> {
      double[] m = gram.clone();
      double[] rhs = new double[f];
      for (int a = 0; a < f; a++) {
        m[a * f + a] += regularization;
      }
      for (int p = start[row]; p < start[row + 1]; p++) {
        int o = cols[p] * f;
        double c = 1 + alpha * counts[p];
        for (int a = 0; a < f; a++) {
          double va = fixed[o + a];
          rhs[a] += c * va;
          double w = (c - 1) * va;
          for (int b = 0; b <= a; b++) {
            m[a * f + b] += w * fixed[o + b];
          }
        }
      }
      choleskySolve(m, rhs, f);
      System.arraycopy(rhs, 0, out, row * f, f);
    });
  }

  /**
   * A few conjugate-gradient steps on row {@code row}'s normal equations, from its current value
   * (Takács, Pilászy and Tikk, "Applications of the conjugate gradient method for implicit
   * feedback collaborative filtering", RecSys 2011): each step costs {@code O(f² + f n_u)}
   * instead of the {@code O(f³)} of a factorisation, and warm starts make a few steps enough.
   */
  private void conjugateGradient(double[] out, double[] fixed, double[] gram, int from, int to,
      int[] cols, float[] counts, int row) {
    int f = factors;
    int o = row * f;
    double[] x = java.util.Arrays.copyOfRange(out, o, o + f);
    double[] r = new double[f];
    // r = b − A x, with b = Σ c y and A x = (YᵀY + λI) x + Σ (c − 1) y (y·x)
    multiply(gram, x, r, f);
    for (int a = 0; a < f; a++) {
      r[a] = -r[a] - regularization * x[a];
    }
    for (int p = from; p < to; p++) {
      int yo = cols[p] * f;
      double c = 1 + alpha * counts[p];
      double dot = 0;
      for (int a = 0; a < f; a++) {
        dot += fixed[yo + a] * x[a];
      }
      double w = c - (c - 1) * dot;
      for (int a = 0; a < f; a++) {
        r[a] += w * fixed[yo + a];
      }
    }
    double[] dir = r.clone();
    double[] ad = new double[f];
    double rr = dot(r, r, f);
    for (int step = 0; step < cgSteps && rr > 1e-20; step++) {
      multiply(gram, dir, ad, f);
      for (int a = 0; a < f; a++) {
        ad[a] += regularization * dir[a];
      }
      for (int p = from; p < to; p++) {
        int yo = cols[p] * f;
        double w = alpha * counts[p];
        double d = 0;
        for (int a = 0; a < f; a++) {
          d += fixed[yo + a] * dir[a];
        }
        d *= w;
        for (int a = 0; a < f; a++) {
          ad[a] += d * fixed[yo + a];
        }
      }
      double step0 = rr / dot(dir, ad, f);
      for (int a = 0; a < f; a++) {
        x[a] += step0 * dir[a];
        r[a] -= step0 * ad[a];
      }
      double next = dot(r, r, f);
      for (int a = 0; a < f; a++) {
        dir[a] = r[a] + (next / rr) * dir[a];
      }
      rr = next;
    }
    System.arraycopy(x, 0, out, o, f);
  }

  private static void multiply(double[] m, double[] v, double[] out, int f) {
    for (int a = 0; a < f; a++) {
      double t = 0;
      for (int b = 0; b < f; b++) {
        t += m[a * f + b] * v[b];
      }
      out[a] = t;
    }
  }

  private static double dot(double[] a, double[] b, int f) {
    double t = 0;
    for (int i = 0; i < f; i++) {
      t += a[i] * b[i];
    }
    return t;
  }

  /**
   * Solves {@code m z = rhs} for symmetric positive definite {@code m} (lower triangle used),
   * in place: {@code rhs} becomes {@code z}, {@code m} its Cholesky factor.
   */
  static void choleskySolve(double[] m, double[] rhs, int n) {
    for (int j = 0; j < n; j++) {
      double s = m[j * n + j];
      for (int k = 0; k < j; k++) {
        s -= m[j * n + k] * m[j * n + k];
      }
      double diag = Math.sqrt(Math.max(s, 1e-12));
      m[j * n + j] = diag;
      for (int i = j + 1; i < n; i++) {
        double t = m[i * n + j];
        for (int k = 0; k < j; k++) {
          t -= m[i * n + k] * m[j * n + k];
        }
        m[i * n + j] = t / diag;
      }
    }
    for (int i = 0; i < n; i++) {
      double t = rhs[i];
      for (int k = 0; k < i; k++) {
        t -= m[i * n + k] * rhs[k];
      }
      rhs[i] = t / m[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
      double t = rhs[i];
      for (int k = i + 1; k < n; k++) {
        t -= m[k * n + i] * rhs[k];
      }
      rhs[i] = t / m[i * n + i];
    }
  }

  /**
   * The objective {@code L} without enumerating all pairs: {@code Σ_{u,i} (x_u·y_i)²} is
   * {@code trace(XᵀX · YᵀY)}, and the observed pairs correct it.
   */
  private double loss(double[] x, double[] y, Data d) {
    int f = factors;
    double[] gx = gram(x, f);
    double[] gy = gram(y, f);
    double all = 0;
    for (int i = 0; i < f * f; i++) {
      all += gx[i] * gy[i];
    }
    double observed = 0;
    for (int u = 0; u < d.users.length; u++) {
      for (int p = d.userStart[u]; p < d.userStart[u + 1]; p++) {
        int i = d.userItems[p];
        double dot = 0;
        for (int a = 0; a < f; a++) {
          dot += x[u * f + a] * y[i * f + a];
        }
        double c = 1 + alpha * d.userCounts[p];
        observed += c * (1 - dot) * (1 - dot) - dot * dot;
      }
    }
    double norms = 0;
    for (double v : x) {
      norms += v * v;
    }
    for (double v : y) {
      norms += v * v;
    }
    return all + observed + regularization * norms;
  }

  private static double[] gram(double[] m, int f) {
    double[] g = new double[f * f];
    for (int r = 0; r < m.length / f; r++) {
      for (int a = 0; a < f; a++) {
        for (int b = 0; b < f; b++) {
          g[a * f + b] += m[r * f + a] * m[r * f + b];
        }
      }
    }
    return g;
  }

  private static float[] toFloats(double[] v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) v[i];
    }
    return out;
  }

  @Override
  public String toString() {
    return "ImplicitAls[factors=" + factors + ", regularization=" + regularization + ", alpha="
        + alpha + ", iterations=" + iterations + ", cgSteps=" + cgSteps + ", seed=" + seed + "]";
  }

  /** The interactions as two CSR matrices of counts, users × items and items × users. */
  private record Data(String[] users, long[] items, int[] userStart, int[] userItems,
      float[] userCounts, int[] itemStart, int[] itemUsers, float[] itemCounts) {

    static Data of(Interactions log) {
      Map<String, Integer> userIndex = new LinkedHashMap<>();
      Map<Long, Integer> itemIndex = new LinkedHashMap<>();
      Map<Long, Integer> pairs = new LinkedHashMap<>(); // (user, item) → count, in first-seen order
      int[] u = new int[log.size()];
      int[] it = new int[log.size()];
      for (int r = 0; r < log.size(); r++) {
        u[r] = userIndex.computeIfAbsent(log.user(r), k -> userIndex.size());
        it[r] = itemIndex.computeIfAbsent(log.item(r), k -> itemIndex.size());
      }
      int nu = userIndex.size();
      int ni = itemIndex.size();
      for (int r = 0; r < log.size(); r++) {
        pairs.merge((long) u[r] * ni + it[r], 1, Integer::sum);
      }
      int nnz = pairs.size();
      long[] keys = pairs.keySet().stream().mapToLong(Long::longValue).toArray();
      Arrays.sort(keys);
      int[] userStart = new int[nu + 1];
      int[] userItems = new int[nnz];
      float[] userCounts = new float[nnz];
      int[] itemStart = new int[ni + 1];
      for (int p = 0; p < nnz; p++) {
        userStart[(int) (keys[p] / ni) + 1]++;
        itemStart[(int) (keys[p] % ni) + 1]++;
        userItems[p] = (int) (keys[p] % ni);
        userCounts[p] = pairs.get(keys[p]);
      }
      for (int i = 0; i < nu; i++) {
        userStart[i + 1] += userStart[i];
      }
      for (int i = 0; i < ni; i++) {
        itemStart[i + 1] += itemStart[i];
      }
      int[] fill = Arrays.copyOf(itemStart, ni);
      int[] itemUsers = new int[nnz];
      float[] itemCounts = new float[nnz];
      for (int p = 0; p < nnz; p++) {
        int item = (int) (keys[p] % ni);
        int at = fill[item]++;
        itemUsers[at] = (int) (keys[p] / ni);
        itemCounts[at] = userCounts[p];
      }
      return new Data(userIndex.keySet().toArray(new String[0]),
          itemIndex.keySet().stream().mapToLong(Long::longValue).toArray(),
          userStart, userItems, userCounts, itemStart, itemUsers, itemCounts);
    }
  }

  /** Configures an {@link ImplicitAls}; checks each value when given. Not thread-safe. */
  public static final class Builder {
    private int factors = 64;
    private double regularization = 0.1;
    private double alpha = 10;
    private int iterations = 10;
    private long seed = 1;
    private int cgSteps = 3;

    private Builder() {}

    /**
     * Conjugate-gradient steps per row and half-iteration (default 3), or 0 to solve each row
     * exactly by Cholesky factorisation (slower; the loss then never increases).
     */
    public Builder conjugateGradientSteps(int steps) {
      if (steps < 0 || steps > 1024) {
        throw new IllegalArgumentException("conjugateGradientSteps must be in [0, 1024], was " + steps);
      }
      this.cgSteps = steps;
      return this;
    }

    /** The embedding dimension; 1 to 1,024. */
    public Builder factors(int factors) {
      if (factors < 1 || factors > 1024) {
        throw new IllegalArgumentException("factors must be in [1, 1024], was " + factors);
      }
      this.factors = factors;
      return this;
    }

    /** λ, the L2 penalty on every embedding; positive. */
    public Builder regularization(double regularization) {
      if (!(regularization > 0) || Double.isInfinite(regularization)) {
        throw new IllegalArgumentException("regularization must be positive and finite, was " + regularization);
      }
      this.regularization = regularization;
      return this;
    }

    /** How much an observed interaction raises confidence; not negative. */
    public Builder alpha(double alpha) {
      if (!(alpha >= 0) || Double.isInfinite(alpha)) {
        throw new IllegalArgumentException("alpha must be finite and not negative, was " + alpha);
      }
      this.alpha = alpha;
      return this;
    }

    /** Full iterations (users then items); positive. */
    public Builder iterations(int iterations) {
      if (iterations < 1) {
        throw new IllegalArgumentException("iterations must be positive, was " + iterations);
      }
      this.iterations = iterations;
      return this;
    }

    /** The seed of the random initialisation. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public ImplicitAls build() {
      return new ImplicitAls(this);
    }
  }
}
