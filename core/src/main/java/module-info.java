/**
 * Shortlist core: the request pipeline ({@link dev.shortlist.core.Recommender}), its stage
 * contracts, the columnar value types, deadlines, caches and metrics.
 */
module dev.shortlist.core {
  requires transitive micrometer.core;
  requires com.github.benmanes.caffeine;

  exports dev.shortlist.core;
  exports dev.shortlist.core.eval;
}
