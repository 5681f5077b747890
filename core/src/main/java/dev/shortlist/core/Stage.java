package dev.shortlist.core;

/**
 * A named step of the pipeline. The name identifies the stage in metrics, traces, logs and
 * errors, and must be unique within one {@link Recommender}.
 */
public interface Stage {

  /** A short, stable, non-blank name such as {@code "ann"} or {@code "seen-filter"}. */
  String name();
}
