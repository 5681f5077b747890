package dev.shortlist.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checks that compiling bench ran JMH's annotation processor: without it the benchmarks compile
 * but {@code org.openjdk.jmh.Main} finds none.
 */
class BenchmarkListTest {

  /** Where JMH puts the generated stubs of {@code benchmark}'s methods. */
  private static String generated(Class<?> benchmark) {
    return benchmark.getPackageName() + ".jmh_generated." + benchmark.getSimpleName();
  }

  @Test
  void compilation_generatesTheBenchmarkList_namingEveryBenchmark() throws IOException {
    List<URL> lists =
        Collections.list(getClass().getClassLoader().getResources("META-INF/BenchmarkList"));
    assertThat(lists).as("META-INF/BenchmarkList on the class path").isNotEmpty();
    StringBuilder all = new StringBuilder();
    for (URL url : lists) {
      try (InputStream in = url.openStream()) {
        all.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }

    assertThat(all.toString())
        .contains(
            ExactSearchBenchmark.class.getName(),
            HnswSearchBenchmark.class.getName(),
            LiveUpdateBenchmark.class.getName(),
            generated(RequestBenchmark.class) + "_request_jmhTest",
            generated(StageBenchmark.class) + "_retrieval_jmhTest",
            generated(StageBenchmark.class) + "_featureAssembly_jmhTest",
            generated(StageBenchmark.class) + "_scoring_jmhTest",
            generated(StageBenchmark.class) + "_selection_jmhTest");
  }
}
