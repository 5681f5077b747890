package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.Deadline;
import dev.shortlist.core.IdSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The contract kit on FAISS {@code HNSW32}. FAISS's HNSW graphs cannot remove vectors, so removal
 * and the replacement of a present id's vector throw {@link UnsupportedOperationException}: the
 * kit's removal tests are skipped by {@link #supportsRemove()}, and the four tests that write the
 * same id twice are replaced by tests of the refusal and of the same behaviour on distinct ids.
 */
class FaissHnswIndexTest extends VectorIndexContractTest {

  private static final String NO_REPLACE =
      "FAISS HNSW cannot replace a present id's vector (no removal); see the tests below";

  @BeforeEach
  void nativeLibrary() {
    FaissTesting.assumeNativeLibrary();
  }

  @Override
  protected VectorIndex newIndex(int dimension, Metric metric) {
    return FaissIndex.builder(dimension, metric).factory("HNSW32").efSearch(64).build();
  }

  @Override
  protected double minRecallAt10() {
    return 0.9;
  }

  @Override
  protected boolean supportsRemove() {
    return false;
  }

  @Override
  @Test
  @Disabled(NO_REPLACE)
  void upsert_ofAnExistingId_replacesItsVector() {}

  @Override
  @Test
  @Disabled(NO_REPLACE)
  void randomUpsertsAndRemoves_matchTheReference() {}

  @Override
  @Test
  @Disabled(NO_REPLACE)
  void concurrentWritersAndReaders_leaveTheIndexConsistent() {}

  @Override
  @Test
  @Disabled(NO_REPLACE)
  void vector_returnsTheStoredVector_orNullOnceAbsent() {}

  @Test
  void upsertOfAPresentId_andRemove_throwUnsupported_andLeaveTheIndexUnchanged() {
    try (FaissIndex index = (FaissIndex) newIndex(4, Metric.L2)) {
      index.upsert(7, new float[] {1, 2, 3, 4});
      index.upsert(8, new float[] {0, 0, 0, 1});

      assertThatThrownBy(() -> index.upsert(7, new float[] {4, 3, 2, 1}))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("cannot replace the vector of id 7")
          .hasMessageContaining("HNSW");
      assertThatThrownBy(() -> index.remove(8))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("cannot remove id 8");

      assertThat(index.supportsRemove()).isFalse();
      assertThat(index.size()).isEqualTo(2);
      assertThat(index.vector(7)).containsExactly(1, 2, 3, 4);
      assertThat(index.vector(8)).containsExactly(0, 0, 0, 1);
      assertThat(index.vector(9)).isNull();
      assertThat(index.search(new float[] {1, 2, 3, 4}, 2).ids()).containsExactly(7L, 8L);
    }
  }

  @Test
  void concurrentWritersOfDistinctIds_andReaders_leaveTheIndexConsistent() throws Exception {
    int dim = 8;
    int writers = 2;
    int perWriter = 1_500;
    try (FaissIndex index = (FaissIndex) newIndex(dim, Metric.L2)) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> tasks = new ArrayList<>();
        List<float[][]> written = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          long base = w * 1_000_000L;
          float[][] vectors = new float[perWriter][];
          written.add(vectors);
          Random random = new Random(seed + w);
          tasks.add(pool.submit(() -> {
            for (int i = 0; i < perWriter; i++) {
              vectors[i] = gaussian(random, dim);
              index.upsert(base + i, vectors[i]);
            }
            return null;
          }));
        }
        for (int r = 0; r < 2; r++) {
          Random random = new Random(seed + 100 + r);
          tasks.add(pool.submit(() -> {
            for (int s = 0; s < 300; s++) {
              IdSet exclusions = IdSet.of(random.nextInt(perWriter));
              Neighbors got = index.search(gaussian(random, dim), 10, exclusions, Deadline.none());
              for (int i = 0; i < got.size(); i++) {
                long id = got.id(i);
                if (exclusions.contains(id) || id % 1_000_000L >= perWriter) {
                  throw new AssertionError("seed " + seed + ": bad id " + id);
                }
              }
            }
            return null;
          }));
        }
        for (Future<?> t : tasks) {
          t.get(60, TimeUnit.SECONDS);
        }
        assertThat(index.size()).isEqualTo(writers * perWriter);
        for (int w = 0; w < writers; w++) {
          for (int i = 0; i < perWriter; i += 97) {
            assertThat(index.search(written.get(w)[i], 1).ids())
                .as("seed %d, writer %d item %d", seed, w, i)
                .containsExactly(w * 1_000_000L + i);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
