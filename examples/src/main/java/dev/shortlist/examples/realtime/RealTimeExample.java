package dev.shortlist.examples.realtime;

import dev.shortlist.core.Interaction;
import dev.shortlist.core.Request;
import dev.shortlist.examples.service.RecommendationService;
import dev.shortlist.examples.service.SyntheticCatalogue;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How the example service reacts in real time, with every cache on (responses, the user-embedding
 * hydration, item features): one user's recommendations before and after their events, after a
 * new item arrives, after it and another item are removed, and after an item's features change.
 * Each step first serves the same request twice, so the second answer comes from the caches, then
 * makes the change and shows that the very next request reflects it.
 *
 * <pre>
 * ./examples/run realtime
 * </pre>
 *
 * <p>Stateless: each {@link #run} builds and closes its own service, so runs may overlap.
 */
public final class RealTimeExample {

  /** The id the example gives its new item. */
  public static final long NEW_ITEM = 1_000_001;

  private RealTimeExample() {}

  /**
   * What the example saw: the user's item ids at each step, and whether the request just before
   * each change was served from the response cache.
   *
   * @param clicked the items the user clicked
   * @param removed the catalogue item removed along with the new one
   * @param boosted the item whose quality was raised
   */
  public record Report(
      long[] before,
      long[] clicked,
      long[] afterEvents,
      long[] withNewItem,
      long removed,
      long[] afterRemoval,
      long boosted,
      long[] afterBoost,
      boolean[] cachedBeforeChange,
      boolean[] cachedAfterChange,
      long itemFeatureCacheHits) {}

  /** Runs the example on a seeded catalogue of {@code items} items, printing each step to {@code out}. */
  public static Report run(int items, PrintStream out) {
    MeterRegistry registry = new SimpleMeterRegistry();
    try (RecommendationService service =
        RecommendationService.builder(32).meterRegistry(registry).build()) {
      SyntheticCatalogue.load(service, items, 8, 42);
      String user = "user-7";
      out.printf("catalogue: %d items in %d topics (item i is in topic i %% %d); %s likes topic 7;"
              + " caches on%n", items, SyntheticCatalogue.TOPICS, SyntheticCatalogue.TOPICS, user);
      boolean[] cachedBefore = new boolean[4];
      boolean[] cachedAfter = new boolean[4];

      long[] before = show(service, user, out, "before any event", null, 0);

      // 1. Events: the user clicks two items of topic 3.
      cachedBefore[0] = again(service, user, out);
      long[] clicked = {3, 11};
      for (long item : clicked) {
        service.record(new Interaction(user, item, "click", 1f, Instant.now()));
      }
      out.printf("%s clicks items %s (topic 3)%n", user, Arrays.toString(clicked));
      long[] afterEvents = show(service, user, out, "after the clicks", cachedAfter, 0);

      // 2. A new item: a copy of the current favourite, with top quality and freshness.
      cachedBefore[1] = again(service, user, out);
      float[] vector = service.itemVector(afterEvents[0]);
      service.upsertItem(NEW_ITEM, vector, Map.of("quality", 1f, "freshness", 1f));
      out.printf("new item %d: same vector as item %d, quality 1, freshness 1%n", NEW_ITEM,
          afterEvents[0]);
      long[] withNewItem = show(service, user, out, "with the new item", cachedAfter, 1);

      // 3. Remove the new item and the runner-up.
      cachedBefore[2] = again(service, user, out);
      long removed = withNewItem[0] == NEW_ITEM ? withNewItem[1] : withNewItem[0];
      service.removeItem(NEW_ITEM);
      service.removeItem(removed);
      out.printf("items %d and %d removed%n", NEW_ITEM, removed);
      long[] afterRemoval = show(service, user, out, "after the removals", cachedAfter, 2);

      // 4. Raise the quality of the last item shown, whose features are in the feature cache.
      cachedBefore[3] = again(service, user, out);
      long boosted = afterRemoval[afterRemoval.length - 1];
      long hits = hits(registry, "item-features");
      service.upsertItem(boosted, service.itemVector(boosted), Map.of("quality", 5f, "freshness", 1f));
      out.printf("item %d: quality raised to 5 (item-feature cache hits so far: %d)%n", boosted, hits);
      long[] afterBoost = show(service, user, out, "after the boost", cachedAfter, 3);

      out.printf("cache hits: %d responses, %d user embeddings, %d item features%n",
          hits(registry, "responses"), hits(registry, "shortlist.hydration.user-embedding"),
          hits(registry, "item-features"));
      return new Report(before, clicked, afterEvents, withNewItem, removed, afterRemoval, boosted,
          afterBoost, cachedBefore, cachedAfter, hits);
    }
  }

  /** Serves the user, prints the items (id and topic) and returns their ids. */
  private static long[] show(
      RecommendationService service, String user, PrintStream out, String label, boolean[] cached,
      int step) {
    RecommendationService.Result r = service.recommend(request(user));
    if (cached != null) {
      cached[step] = r.cached();
    }
    long[] ids = r.response().ids();
    out.printf("  %-19s %s%s%n", label + ":", Arrays.stream(ids)
        .mapToObj(id -> id + (id == NEW_ITEM ? "(new)" : "(t" + id % SyntheticCatalogue.TOPICS + ")"))
        .collect(Collectors.joining(" ")), r.cached() ? "  [response cache]" : "");
    return ids;
  }

  /** Serves the same request again and says whether the answer came from the response cache. */
  private static boolean again(RecommendationService service, String user, PrintStream out) {
    boolean cached = service.recommend(request(user)).cached();
    out.printf("  %-19s %s%n", "same request again:", cached ? "served from the response cache" : "recomputed");
    return cached;
  }

  private static Request request(String user) {
    // A generous budget: the example shows behaviour, not latency, and may run on a busy machine.
    return Request.forUser(user).size(5).budget(java.time.Duration.ofSeconds(5)).build();
  }

  private static long hits(MeterRegistry registry, String cache) {
    FunctionCounter c =
        registry.find("cache.gets").tag("cache", cache).tag("result", "hit").functionCounter();
    return c == null ? 0 : (long) c.count();
  }

  public static void main(String[] args) {
    run(2000, System.out);
  }
}
