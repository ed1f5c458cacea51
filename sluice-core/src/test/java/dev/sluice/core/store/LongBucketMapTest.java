package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongBucketMapTest {
  private final LongBucketMap map = new LongBucketMap();

  @Test
  void putIfAbsent_thenGet_returnsTheSameBucket_andKeepsTheFirst() {
    long[] first = new long[2];
    assertThat(map.putIfAbsent(42, first)).isNull();
    assertThat(map.putIfAbsent(42, new long[2])).isSameAs(first);
    assertThat(map.get(42)).isSameAs(first);
    assertThat(map.get(43)).isNull();
    assertThat(map.size()).isEqualTo(1);
  }

  @Test
  void keyZero_theEmptySlotMarker_isAnOrdinaryKey() {
    long[] b = new long[2];
    assertThat(map.get(0)).isNull();
    assertThat(map.putIfAbsent(0, b)).isNull();
    assertThat(map.get(0)).isSameAs(b);
    map.remove(0, b);
    assertThat(map.get(0)).isNull();
  }

  @Test
  void manyKeys_throughResizes_andRemovals_behaveLikeAHashMap() {
    Map<Long, long[]> reference = new HashMap<>();
    SplittableRandom random = new SplittableRandom(7);
    for (int step = 0; step < 200_000; step++) {
      long key = random.nextInt(5_000) * 0x9E3779B97F4A7C15L; // spread over segments and slots
      if (random.nextInt(3) == 0) {
        long[] b = reference.remove(key);
        if (b != null) {
          map.remove(key, b);
        }
      } else {
        long[] b = new long[1];
        long[] prior = map.putIfAbsent(key, b);
        assertThat(prior).isSameAs(reference.get(key));
        reference.putIfAbsent(key, b);
      }
    }
    for (var e : reference.entrySet()) {
      assertThat(map.get(e.getKey())).isSameAs(e.getValue());
    }
    assertThat(map.size()).isEqualTo(reference.size());
  }

  @Test
  void remove_ofAnotherBucketForTheKey_leavesTheMappingAlone() {
    long[] b = new long[1];
    map.putIfAbsent(9, b);
    map.remove(9, new long[1]);
    assertThat(map.get(9)).isSameAs(b);
  }

  @Test
  void sweep_removesOnlyExpiredUnlockedBuckets_andARemovedKeyCanComeBack() {
    long[] expired = Buckets.fresh(1, 100);
    long[] alive = Buckets.fresh(1, 1_000);
    map.putIfAbsent(1, expired);
    map.putIfAbsent(2, alive);

    assertThat(map.sweep(500)).isEqualTo(1);

    assertThat(map.get(1)).isNull();
    assertThat(expired[0]).as("marked dead for readers that still hold it").isEqualTo(Buckets.DEAD);
    assertThat(map.get(2)).isSameAs(alive);
    long[] again = new long[1];
    assertThat(map.putIfAbsent(1, again)).isNull();
    assertThat(map.get(1)).isSameAs(again);
  }
}
