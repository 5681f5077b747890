/** Shortlist ranking: feature assembly, scorers and selectors. */
module dev.shortlist.ranking {
  requires transitive dev.shortlist.core;
  // SIMD tree scoring when the JVM runs with --add-modules jdk.incubator.vector (TreeKernel).
  requires static jdk.incubator.vector;
  requires com.microsoft.onnxruntime;

  exports dev.shortlist.ranking;
}
