package dev.shortlist.retrieval;

class LiveHnswIndexTest extends VectorIndexContractTest {

  @Override
  protected VectorIndex newIndex(int dimension, Metric metric) {
    return LiveHnswIndex.builder(dimension, metric).build();
  }

  @Override
  protected double minRecallAt10() {
    return 0.95;
  }
}
