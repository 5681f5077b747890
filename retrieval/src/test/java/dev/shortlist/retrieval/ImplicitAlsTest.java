package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.eval.Interactions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImplicitAlsTest {

  private static final int GROUPS = 4;
  private static final int USERS = 200;
  private static final int ITEMS = 200;

  /**
   * A planted low-rank structure: users and items fall into 4 groups; each user interacts with 12
   * random items of their own group. Items of group g are ids g, g + 4, g + 8, ...
   */
  private static Interactions planted(long seed, Set<String> heldOutPairs) {
    Random rnd = new Random(seed);
    List<String> users = new ArrayList<>();
    List<Long> items = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      int g = u % GROUPS;
      Set<Long> chosen = new HashSet<>();
      while (chosen.size() < 14) {
        chosen.add((long) (g + GROUPS * rnd.nextInt(ITEMS / GROUPS)));
      }
      int i = 0;
      for (long item : chosen) {
        if (i++ < 2 && heldOutPairs != null) {
          heldOutPairs.add(u + ":" + item);
          continue;
        }
        users.add("u" + u);
        items.add(item);
      }
    }
    return Interactions.of(users.toArray(new String[0]),
        items.stream().mapToLong(Long::longValue).toArray(), null, null);
  }

  @Test
  void exactSolves_neverIncreaseTheLoss_andCgStepsReduceItToo() {
    Interactions log = planted(1, null);
    List<Double> exact = new ArrayList<>();
    ImplicitAls.builder().factors(8).iterations(6).conjugateGradientSteps(0).build()
        .fit(log, exact::add);
    for (int i = 1; i < exact.size(); i++) {
      assertThat(exact.get(i)).as("loss after iteration %d: %s", i, exact)
          .isLessThanOrEqualTo(exact.get(i - 1) * (1 + 1e-9));
    }
    List<Double> cg = new ArrayList<>();
    ImplicitAls.builder().factors(8).iterations(6).build().fit(log, cg::add);
    assertThat(cg.get(cg.size() - 1)).as("CG losses %s", cg).isLessThan(cg.get(0));
    // Both start from the same initialisation; after six iterations they are close.
    assertThat(cg.get(cg.size() - 1)).isLessThan(exact.get(exact.size() - 1) * 1.05);
  }

  @Test
  void fit_recoversThePlantedGroups_ranksHeldOutOwnGroupItemsFirst() {
    Set<String> heldOut = new HashSet<>();
    Interactions log = planted(2, heldOut);
    Embeddings e = ImplicitAls.builder().factors(GROUPS).iterations(8).regularization(1).build().fit(log);
    ExactIndex index = e.itemIndex();

    int hits = 0;
    int total = 0;
    for (String pair : heldOut) {
      String[] p = pair.split(":");
      int u = Integer.parseInt(p[0]);
      long item = Long.parseLong(p[1]);
      float[] x = e.user("u" + u);
      float[] y = index.vector(item);
      if (y == null) {
        continue; // an item nobody kept in training has no embedding
      }
      // The held-out item of the user's group should outscore the items of the other groups.
      double own = dot(x, y);
      for (long other = 0; other < ITEMS; other++) {
        float[] z = index.vector(other);
        if (other % GROUPS != u % GROUPS && z != null) {
          hits += dot(x, z) < own ? 1 : 0;
          total++;
        }
      }
    }
    // AUC of held-out own-group items against other-group items.
    assertThat(total).isGreaterThan(300 * 100);
    assertThat((double) hits / total)
        .as("%d of %d (held-out item, other-group item) pairs ordered right", hits, total)
        .isGreaterThan(0.99);
  }

  @Test
  void fit_isReproducibleWithItsSeed(@TempDir Path dir) throws IOException {
    Interactions log = planted(3, null);
    ImplicitAls als = ImplicitAls.builder().factors(6).iterations(3).seed(9).build();
    Embeddings a = als.fit(log);
    Embeddings b = als.fit(log);
    assertThat(a.userVectors()).isEqualTo(b.userVectors());
    assertThat(a.itemVectors()).isEqualTo(b.itemVectors());

    a.write(dir);
    assertThat(VectorFiles.readFloats(dir.resolve("items.npy"))).isEqualTo(a.itemVectors());
    assertThat(VectorFiles.readFloats(dir.resolve("users.npy"))).isEqualTo(a.userVectors());
    assertThat(java.nio.file.Files.readAllLines(dir.resolve("users.txt"))).isEqualTo(a.userIds());
  }

  @Test
  void builder_refusesBadSettingsWithTheirValues() {
    assertThatThrownBy(() -> ImplicitAls.builder().factors(0))
        .hasMessage("factors must be in [1, 1024], was 0");
    assertThatThrownBy(() -> ImplicitAls.builder().regularization(0))
        .hasMessage("regularization must be positive and finite, was 0.0");
    assertThatThrownBy(() -> ImplicitAls.builder().iterations(0))
        .hasMessage("iterations must be positive, was 0");
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
