package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GenTest {
  private static final int DRAWS = 2_000;

  /** {@code DRAWS} values of {@code gen}, each from its own source, as the runner draws them. */
  private static <T> List<T> sample(Gen<T> gen, long seed) {
    java.util.SplittableRandom seeds = new java.util.SplittableRandom(seed);
    List<T> values = new ArrayList<>();
    for (int i = 0; i < DRAWS; i++) {
      values.add(gen.next(Source.fresh(seeds.nextLong())));
    }
    return values;
  }

  @Test
  void sameSeed_givesTheSameValues() {
    Gen<List<Long>> gen = Gen.longs().list(0, 10);

    assertThat(sample(gen, 7)).isEqualTo(sample(gen, 7)).isNotEqualTo(sample(gen, 8));
  }

  @Test
  void longs_stayInTheirRange_andOftenHitItsEdges() {
    List<Long> values = sample(Gen.longs(-5, 1_000_000_000_000L), 1);

    assertThat(values).allSatisfy(v -> assertThat(v).isBetween(-5L, 1_000_000_000_000L));
    assertThat(values)
        .contains(-5L, -4L, -1L, 0L, 1L, 999_999_999_999L, 1_000_000_000_000L)
        .anySatisfy(v -> assertThat(v).isBetween(2L, 100L)) // small ones, though the range is wide
        .anySatisfy(v -> assertThat(v).isGreaterThan(100_000_000_000L));
  }

  @Test
  void anyLong_coversTheExtremes_andBothSigns() {
    List<Long> values = sample(Gen.longs(), 2);

    assertThat(values).contains(Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE, 0L, 1L, -1L);
    assertThat(values).anySatisfy(v -> assertThat(v).isLessThan(-1L << 40));
    assertThat(values).anySatisfy(v -> assertThat(v).isGreaterThan(1L << 40));
  }

  @Test
  void rangeWithoutZero_hasItsLowerBoundAsSimplest() {
    assertThat(Source.simplest(10, 20)).isEqualTo(10);
    assertThat(Source.simplest(-20, -10)).isEqualTo(-10);
    assertThat(Source.simplest(-20, 10)).isZero();
    assertThat(Gen.ints(3, 9).next(Source.replay(new long[0]))).isEqualTo(3);
  }

  @Test
  void doubles_includeTheLowerBound_andStayBelowTheUpper() {
    List<Double> values = sample(Gen.doubles(0, 1), 3);

    assertThat(values).allSatisfy(v -> assertThat(v).isGreaterThanOrEqualTo(0.0).isLessThan(1.0));
    assertThat(values).contains(0.0, Math.nextDown(1.0));
  }

  @Test
  void unicodeChars_areNeitherSurrogatesNorNoncharactersNorPrivateUse() {
    Set<Character> seen = new HashSet<>();
    for (String s : sample(Gen.strings(Gen.unicodeChars(), 0, 50), 4)) {
      for (char c : s.toCharArray()) {
        seen.add(c);
      }
    }

    assertThat(seen)
        .noneMatch(Character::isSurrogate)
        .noneMatch(c -> c >= 0xe000 && c <= 0xf8ff)
        .noneMatch(c -> c >= 0xfdd0 && c <= 0xfdef || c >= 0xfffe)
        .contains('\u0000', '\ufffd')
        .anyMatch(c -> c >= 0xf900 && c < 0xfdd0)
        .anyMatch(c -> c > 0xfdef && c < 0xfffe);
  }

  @Test
  void lists_andStrings_keepTheirSizeBounds_andReachBoth() {
    List<List<Integer>> lists = sample(Gen.ints(0, 9).list(2, 30), 5);
    List<String> strings = sample(Gen.strings(Gen.chars("ab"), 0, 5), 5);

    assertThat(lists).allSatisfy(l -> assertThat(l).hasSizeBetween(2, 30));
    assertThat(lists).anySatisfy(l -> assertThat(l).hasSize(2));
    assertThat(lists).anySatisfy(l -> assertThat(l).hasSize(30));
    assertThat(strings).contains("", "a", "b").allMatch(s -> s.matches("[ab]{0,5}"));
    assertThat(strings).anySatisfy(s -> assertThat(s).hasSize(5));
  }

  @Test
  void frequency_picksByWeight() {
    List<String> values =
        sample(
            Gen.frequency(
                Gen.weighted(9, Gen.constant("often")), Gen.weighted(1, Gen.constant("rare"))),
            6);

    long rare = values.stream().filter("rare"::equals).count();
    assertThat(rare).isBetween(DRAWS / 10 - 80L, DRAWS / 10 + 80L);
  }

  @Test
  void of_andEnums_giveEveryAlternative() {
    assertThat(sample(Gen.of("x", "y", "z"), 7)).contains("x", "y", "z");
    assertThat(sample(Gen.enums(Thread.State.class), 7)).contains(Thread.State.values());
  }

  @Test
  void filter_discardsTheCase_whenNothingPasses() {
    Gen<Long> never = Gen.longs(0, 10).filter(v -> v > 10);

    assertThatThrownBy(() -> never.next(Source.fresh(1))).isInstanceOf(Property.Discarded.class);
  }

  @Test
  void emptyRanges_andBadWeights_areRefusedWhenBuilt() {
    assertThatThrownBy(() -> Gen.longs(2, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Gen.doubles(1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Gen.weighted(0, Gen.constant(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
