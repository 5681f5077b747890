package dev.shortlist.retrieval;

import org.junit.jupiter.api.BeforeEach;

/** The contract kit on FAISS {@code Flat} (exact search, ids in an IDMap2, removal supported). */
class FaissFlatIndexTest extends VectorIndexContractTest {

  @BeforeEach
  void nativeLibrary() {
    FaissTesting.assumeNativeLibrary();
  }

  @Override
  protected VectorIndex newIndex(int dimension, Metric metric) {
    return FaissIndex.builder(dimension, metric).factory("Flat").build();
  }
}
