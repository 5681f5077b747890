package dev.shortlist.ranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.CachedItemFeatures;
import dev.shortlist.core.Candidates;
import dev.shortlist.core.Deadline;
import dev.shortlist.core.FeatureMatrix;
import dev.shortlist.core.FeatureSchema;
import dev.shortlist.core.InMemoryItemFeatures;
import dev.shortlist.core.ItemFeatureStore;
import dev.shortlist.core.Query;
import dev.shortlist.core.Request;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeatureAssemblySourcesTest {

  private static final Query QUERY =
      Query.of(Request.forUser("u").context("hour", "13").context("device", "tv").build(), Deadline.none());

  /** A store that records its batches, standing in for a remote feature service. */
  private static final class CountingStore implements ItemFeatureStore {
    final InMemoryItemFeatures inner = InMemoryItemFeatures.create(FeatureSchema.of("popularity", "age_days"));
    final List<long[]> batches = new ArrayList<>();

    @Override
    public FeatureSchema schema() {
      return inner.schema();
    }

    @Override
    public void lookup(long[] ids, float[] out) {
      batches.add(ids.clone());
      inner.lookup(ids, out);
    }
  }

  @Test
  void assemble_mixesItemStoreQueryContextAndCandidateFeatures_withOneBatchLookup() throws Exception {
    CountingStore store = new CountingStore();
    store.inner.put(1, new float[] {0.9f, 10});
    store.inner.put(2, new float[] {0.1f, Float.NaN});
    FeatureAssembly fa =
        FeatureAssembly.builder("features")
            .feature("retrieval", (q, c, r) -> c.retrievalScore(r))
            .itemFeatures(store, -1f, "age_days", "popularity")
            .contextFeature("hour", "hour", 0)
            .contextFeature("missing_ctx", "nope", 7)
            .queryFeature("user_len", 0, q -> q.userId().length())
            .build();
    Candidates c = Candidates.of("s", new long[] {1, 2, 3}, new float[] {0.5f, 0.4f, 0.3f});

    FeatureMatrix m = fa.assemble(QUERY, c);

    assertThat(m.schema().names())
        .containsExactly("retrieval", "age_days", "popularity", "hour", "missing_ctx", "user_len");
    assertThat(m.array())
        .containsExactly(
            0.5f, 10, 0.9f, 13, 7, 1,
            0.4f, -1, 0.1f, 13, 7, 1,
            0.3f, -1, -1, 13, 7, 1);
    assertThat(store.batches).hasSize(1);
    assertThat(store.batches.get(0)).containsExactly(1, 2, 3);
  }

  @Test
  void cachedStore_fetchesOnlyMisses_inOneBatch_andSeesInvalidatedChanges() throws Exception {
    CountingStore store = new CountingStore();
    store.inner.put(1, new float[] {1, 1});
    store.inner.put(2, new float[] {2, 2});
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CachedItemFeatures cached = CachedItemFeatures.over(store, 100, Duration.ofMinutes(5), "item-features", registry);
    float[] out = new float[4];

    cached.lookup(new long[] {1, 2}, out);
    cached.lookup(new long[] {2, 1}, out);
    assertThat(out).containsExactly(2, 2, 1, 1);
    assertThat(store.batches).hasSize(1);

    store.inner.put(2, new float[] {5, 5});
    cached.invalidate(2);
    cached.lookup(new long[] {1, 2}, out);
    assertThat(out).containsExactly(1, 1, 5, 5);
    assertThat(store.batches).hasSize(2);
    assertThat(store.batches.get(1)).containsExactly(2);
    assertThat(registry.get("cache.gets").tag("cache", "item-features").tag("result", "hit").functionCounter().count())
        .isEqualTo(3);
  }

  @Test
  void badFeatureSources_areRefusedNamingTheValue() {
    InMemoryItemFeatures store = InMemoryItemFeatures.create(FeatureSchema.of("popularity"));
    assertThatThrownBy(() -> FeatureAssembly.builder("f").itemFeatures(store, 0, "price"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no feature 'price' (it has [popularity])");
    assertThatThrownBy(() -> store.put(1, new float[] {1, 2}))
        .hasMessageContaining("must have 1 features [popularity], had 2");
    assertThatThrownBy(() -> store.put(1, new float[] {Float.POSITIVE_INFINITY}))
        .hasMessageContaining("feature 'popularity' of item 1 is Infinity");
    assertThat(store.size()).isZero();
  }
}
