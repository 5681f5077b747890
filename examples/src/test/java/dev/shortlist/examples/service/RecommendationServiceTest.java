package dev.shortlist.examples.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shortlist.core.Interaction;
import dev.shortlist.core.Request;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecommendationServiceTest {

  private static final Request.Builder PROBE =
      Request.forUser("probe").size(3).budget(Duration.ofSeconds(5));

  @Test
  void builder_refusesBadSettingsEagerly() {
    assertThatThrownBy(() -> RecommendationService.builder(0))
        .hasMessage("dimension must be in [1, 4096], was 0");
    assertThatThrownBy(() -> RecommendationService.builder(4).candidates(0))
        .hasMessageContaining("candidates must be in [1, ");
    assertThatThrownBy(() -> RecommendationService.builder(4).featureCache(10, Duration.ZERO))
        .hasMessage("featureCache ttl must be positive, was PT0S");
    assertThatThrownBy(() -> RecommendationService.builder(4).responseCache(0, Duration.ZERO))
        .hasMessage("responseCache size must be positive, was 0");
  }

  @Test
  void upsertItem_withABadVectorOrFeature_leavesTheCatalogueUnchanged() {
    try (RecommendationService s = RecommendationService.builder(2).build()) {
      assertThatThrownBy(() -> s.upsertItem(1, new float[] {1f}, Map.of()))
          .hasMessage("vector of item 1 must have 2 components, had 1");
      assertThatThrownBy(() -> s.upsertItem(1, new float[] {1f, Float.NaN}, Map.of()))
          .hasMessage("vector of item 1 has a non-finite component [1]: NaN");
      assertThatThrownBy(() -> s.upsertItem(1, new float[] {0f, 0f}, Map.of()))
          .hasMessageContaining("must not be all zeros");
      assertThatThrownBy(() -> s.upsertItem(1, new float[] {1f, 0f}, Map.of("price", 1f)))
          .hasMessage("unknown feature 'price' of item 1 (known: [quality, freshness])");
      assertThatThrownBy(
              () -> s.upsertItem(1, new float[] {1f, 0f}, Map.of("quality", Float.POSITIVE_INFINITY)))
          .hasMessage("feature 'quality' of item 1 must be finite, was Infinity");
      assertThat(s.items()).isZero();
      assertThat(s.contains(1)).isFalse();
    }
  }

  @Test
  void loadItems_withAMalformedRow_writesNothing() {
    try (RecommendationService s = RecommendationService.builder(2).build()) {
      assertThatThrownBy(() -> s.loadItems(new long[] {1, 2}, new float[] {1, 0, 0, 1}, new float[3]))
          .hasMessageContaining("flatFeatures has 3 floats");
      assertThatThrownBy(
              () -> s.loadItems(new long[] {1, 2}, new float[] {1, 0, Float.NaN, 1}, new float[4]))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(s.items()).isZero();

      s.loadItems(new long[] {1, 2}, new float[] {1, 0, 0, 1}, new float[] {0.5f, Float.NaN, 1, 1});
      assertThat(s.items()).isEqualTo(2);
      assertThat(s.itemVector(2)).containsExactly(0f, 1f);
    }
  }

  @Test
  void firstEvent_givesAUserWithoutEmbeddingTheItemsDirection() {
    try (RecommendationService s = RecommendationService.builder(2).build()) {
      s.loadItems(new long[] {1, 2, 3}, new float[] {1, 0, 0.9f, 0.1f, 0, 1}, new float[6]);
      assertThat(s.recommend(PROBE.build()).response().items()).isEmpty();

      s.record(new Interaction("probe", 1, "click", 1f, Instant.now()));

      assertThat(s.recommend(PROBE.build()).response().ids()).startsWith(2);
    }
  }

  @Test
  void responseCacheOff_neverServesFromCache() {
    try (RecommendationService s =
        RecommendationService.builder(2).responseCache(10, Duration.ZERO).build()) {
      s.loadItems(new long[] {1}, new float[] {1, 0}, new float[2]);
      s.loadUserEmbedding("probe", new float[] {1, 0});
      assertThat(s.recommend(PROBE.build()).cached()).isFalse();
      assertThat(s.recommend(PROBE.build()).cached()).isFalse();
    }
  }

  @Test
  void close_isIdempotent_andLaterCallsFail() {
    RecommendationService s = RecommendationService.builder(2).build();
    s.close();
    s.close();
    assertThat(s.isClosed()).isTrue();
    assertThatThrownBy(() -> s.recommend(PROBE.build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the recommendation service is closed");
  }

  @Test
  void serviceMainOptions_areChecked() {
    assertThat(ServiceMain.Options.parse("--port", "0", "--items", "10"))
        .isEqualTo(new ServiceMain.Options("127.0.0.1", 0, 10, 100, 32, 42));
    assertThatThrownBy(() -> ServiceMain.Options.parse("--port", "70000"))
        .hasMessage("--port must be in [0, 65535], was 70000");
    assertThatThrownBy(() -> ServiceMain.Options.parse("--items", "many"))
        .hasMessage("--items must be an integer, was 'many'");
    assertThatThrownBy(() -> ServiceMain.Options.parse("--colour", "red"))
        .hasMessage("unknown option '--colour'");
    assertThatThrownBy(() -> ServiceMain.Options.parse("--port"))
        .hasMessage("option --port needs a value");
  }
}
