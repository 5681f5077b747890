package dev.shortlist.bench.ann;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IndexKindsTest {

  @Test
  void find_returnsTheKindNamed_byNameOrPrefix() {
    assertThat(IndexKinds.find("exact")).isInstanceOf(ExactKind.class);
    assertThat(IndexKinds.find("lucene-hnsw-int4").pattern()).isEqualTo("lucene-hnsw-int4");
    assertThat(IndexKinds.find("faiss:IVF1024,PQ16")).isInstanceOf(FaissKind.class);
  }

  @Test
  void find_unknownKind_listsTheKnownOnes() {
    assertThatThrownBy(() -> IndexKinds.find("lucene"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown index kind 'lucene'; known: exact, lucene-hnsw, lucene-hnsw-int8,"
            + " lucene-hnsw-int4, lucene-hnsw-bin, live-hnsw, faiss:<factory>");
  }

  @Test
  void everyPattern_isAcceptedByExactlyOneKind() {
    for (IndexKind kind : IndexKinds.ALL) {
      String spec = kind.pattern().replace("<factory>", "Flat");
      assertThat(IndexKinds.ALL.stream().filter(k -> k.accepts(spec))).as(spec).containsExactly(kind);
    }
  }

  @Test
  void faiss_isAvailableWithTheNativeLibrary_andKnowsItsSearchParameter() {
    FaissKind faiss = new FaissKind();
    if (dev.shortlist.retrieval.FaissIndex.isAvailable()) {
      faiss.checkAvailable("faiss:HNSW32");
    } else {
      assertThatThrownBy(() -> faiss.checkAvailable("faiss:HNSW32"))
          .hasMessageContaining("apt-get install g++ libfaiss-dev libopenblas-dev");
    }
    assertThatThrownBy(() -> faiss.checkAvailable("faiss:"))
        .hasMessageContaining("needs a factory string");
    assertThat(faiss.searchParameter("faiss:IVF4096,Flat")).isEqualTo(IndexKind.SearchParameter.NPROBE);
    assertThat(faiss.searchParameter("faiss:HNSW32")).isEqualTo(IndexKind.SearchParameter.EF);
    assertThat(faiss.searchParameter("faiss:Flat")).isEqualTo(IndexKind.SearchParameter.NONE);
  }

  @Test
  void settings_areOneForExact_efRaisedToKForHnsw_nprobeAsGiven() {
    IndexKind.Sweep sweep = new IndexKind.Sweep(List.of(10, 40, 100, 400), List.of(4, 16));
    assertThat(new ExactKind().settings("exact", 100, sweep)).containsExactly(0);
    assertThat(IndexKinds.find("lucene-hnsw").settings("lucene-hnsw", 100, sweep))
        .containsExactly(100, 400);
    assertThat(IndexKinds.find("lucene-hnsw").settings("lucene-hnsw", 10, sweep))
        .containsExactly(10, 40, 100, 400);
    assertThat(new FaissKind().settings("faiss:IVF64,Flat", 10, sweep)).containsExactly(4, 16);
  }
}
