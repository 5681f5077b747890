package dev.shortlist.retrieval;

/** The contract kit on an int8-quantized Lucene index (rescored with floats). */
class LuceneHnswInt8IndexTest extends VectorIndexContractTest {

  @Override
  protected VectorIndex newIndex(int dimension, Metric metric) {
    return LuceneHnswIndex.builder(dimension, metric)
        .quantization(LuceneHnswIndex.Quantization.INT8)
        .flushThreshold(50)
        .build();
  }

  @Override
  protected double minRecallAt10() {
    return 0.85;
  }
}
