package dev.shortlist.core;

/**
 * Every metric name and tag key Shortlist publishes through Micrometer, in one place.
 *
 * <p>Timers publish percentile histograms, so any backend that aggregates histograms (Prometheus,
 * ...) can compute p50/p99 across instances.
 */
public final class MetricNames {

  private MetricNames() {}

  /** Timer: whole requests, from start to response. */
  public static final String REQUEST = "shortlist.request";

  /** Timer: each stage, tagged {@link #TAG_STAGE} and {@link #TAG_KIND}. */
  public static final String STAGE = "shortlist.stage";

  /** Counter: stages dropped or skipped, tagged {@link #TAG_STAGE} and {@link #TAG_REASON}. */
  public static final String DEGRADATIONS = "shortlist.degradations";

  /** Counter: stages that missed their deadline, tagged {@link #TAG_STAGE}. */
  public static final String TIMEOUTS = "shortlist.timeouts";

  /** Counter: candidates removed, tagged {@link #TAG_STAGE} (the filter). */
  public static final String FILTER_REMOVED = "shortlist.filter.removed";

  /** Counter: side effects that threw, tagged {@link #TAG_STAGE}. */
  public static final String SIDE_EFFECT_FAILURES = "shortlist.side_effect.failures";

  /** Counter: interactions recorded. */
  public static final String INTERACTIONS = "shortlist.interactions";

  /** Cache metrics (Micrometer's Caffeine binder) use this name, tagged {@code cache}. */
  public static final String CACHE_USER_ACTIVITY = "shortlist.user_activity";

  /** Prefix of the per-hydrator cache names: {@code shortlist.hydration.<stage>}. */
  public static final String CACHE_HYDRATION_PREFIX = "shortlist.hydration.";

  public static final String TAG_STAGE = "stage";
  public static final String TAG_KIND = "kind";
  public static final String TAG_REASON = "reason";
}
