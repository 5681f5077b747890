package dev.shortlist.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongIntHashMapTest {

  private static final long SEED = Long.getLong("shortlist.test.seed", 0x5EED_2026L);

  @Test
  void randomPutsAndRemoves_matchAHashMap() {
    Random random = new Random(SEED);
    long[] keys = new long[600];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = switch (i) {
        case 0 -> 0L;
        case 1 -> -1L;
        case 2 -> Long.MIN_VALUE;
        case 3 -> Long.MAX_VALUE;
        default -> i % 2 == 0 ? random.nextLong() : (long) i << 32;
      };
    }
    LongIntHashMap map = new LongIntHashMap(4);
    Map<Long, Integer> reference = new HashMap<>();

    for (int op = 0; op < 50_000; op++) {
      long key = keys[random.nextInt(keys.length)];
      String context = "seed=" + SEED + ", op " + op + ", key " + key;
      switch (random.nextInt(3)) {
        case 0 -> {
          int value = random.nextInt(Integer.MAX_VALUE);
          Integer old = reference.put(key, value);
          assertThat(map.put(key, value)).as(context).isEqualTo(old == null ? -1 : old);
        }
        case 1 -> {
          Integer old = reference.remove(key);
          assertThat(map.remove(key)).as(context).isEqualTo(old == null ? -1 : old);
        }
        default -> {
          Integer v = reference.get(key);
          assertThat(map.get(key)).as(context).isEqualTo(v == null ? -1 : v);
        }
      }
      assertThat(map.size()).as(context).isEqualTo(reference.size());
    }
    for (long key : keys) {
      Integer v = reference.get(key);
      assertThat(map.get(key)).as("key %d", key).isEqualTo(v == null ? -1 : v);
    }
  }
}
