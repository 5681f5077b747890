/** Shortlist retrieval: vector indexes and the candidate sources over them. */
module dev.shortlist.retrieval {
  requires transitive dev.shortlist.core;
  requires org.apache.lucene.core;
  requires static jdk.incubator.vector;

  exports dev.shortlist.retrieval;
}
