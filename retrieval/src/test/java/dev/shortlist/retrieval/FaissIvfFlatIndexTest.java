package dev.shortlist.retrieval;

import org.junit.jupiter.api.BeforeEach;

/**
 * The contract kit on FAISS {@code IVF16,Flat} (ids in the inverted lists, removal supported),
 * each index trained on seeded gaussian vectors first. The kit probes all 16 lists, so results are
 * exact and checked as such; the kit's gaussian data has no cluster structure for fewer probes to
 * exploit. Recall with fewer probes on clustered data is checked by {@link FaissIndexTest}.
 */
class FaissIvfFlatIndexTest extends VectorIndexContractTest {

  @BeforeEach
  void nativeLibrary() {
    FaissTesting.assumeNativeLibrary();
  }

  @Override
  protected VectorIndex newIndex(int dimension, Metric metric) {
    return FaissTesting.trained("IVF16,Flat", dimension, metric, 16, seed);
  }
}
