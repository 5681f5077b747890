/** Shortlist ranking: feature assembly, scorers and selectors. */
module dev.shortlist.ranking {
  requires transitive dev.shortlist.core;

  exports dev.shortlist.ranking;
}
