package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens when the FAISS native library cannot be loaded: every way it can fail yields a
 * message saying what to install, and creating an index then throws it. Runs with or without
 * the library (the loader is called directly with stand-ins for the jar resource and the
 * platform); {@code ./mvnw verify -Dshortlist.faiss.skipNative=true} builds without the library
 * and shows the skip path of every other FAISS test.
 */
class FaissNativeLoadingTest {

  @TempDir Path temp;

  @Test
  void libraryMissingFromTheJar_saysWhatToInstall() {
    String problem = FaissNative.load(null, "Linux", "amd64", () -> null);

    assertThat(problem)
        .contains("not in this build")
        .contains("native/linux-x86_64/libshortlist_faiss.so")
        .contains("apt-get install g++ libfaiss-dev libopenblas-dev");
  }

  @Test
  void anotherPlatform_isNamed() {
    String problem = FaissNative.load(null, "Mac OS X", "aarch64", () -> null);

    assertThat(problem).contains("linux-x86_64 only").contains("Mac OS X/aarch64");
  }

  @Test
  void anUnloadableLibrary_isReportedWithTheCause() {
    String explicit = temp.resolve("missing.so").toString();
    assertThat(FaissNative.load(explicit, "Linux", "amd64", () -> null))
        .contains("could not be loaded")
        .contains(FaissNative.LIBRARY_PROPERTY + "=" + explicit)
        .contains("apt-get install");
  }

  @Test
  void withoutTheLibrary_creatingAnIndexThrowsTheReason() {
    Assumptions.assumeFalse(FaissIndex.isAvailable(),
        "the FAISS native library is loaded in this build; see the other tests");

    assertThatThrownBy(() -> FaissIndex.builder(4, Metric.L2).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apt-get install g++ libfaiss-dev libopenblas-dev");
    assertThatThrownBy(() -> FaissIndex.open(temp.resolve("any.faiss"), Metric.L2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(FaissIndex.unavailableReason());
  }
}
