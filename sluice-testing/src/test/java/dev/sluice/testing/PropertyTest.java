package dev.sluice.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PropertyTest {
  private static final long SEED = 42;

  private static AssertionError failure(Runnable check) {
    AssertionError e = catchThrowableOfType(AssertionError.class, check::run);
    assertThat(e).as("the property should have failed").isNotNull();
    return e;
  }

  @Test
  void passingProperty_runsExactlyTheTriesAsked() {
    AtomicInteger calls = new AtomicInteger();

    Property.check(SEED, 1234, Gen.longs(), v -> calls.incrementAndGet());

    assertThat(calls).hasValue(1234);
  }

  @Test
  void failingProperty_reportsItsSeedAndCase_andShrinksANumberToTheBoundary() {
    AssertionError e =
        failure(
            () ->
                Property.check(
                    SEED,
                    1000,
                    Gen.longs(0, Long.MAX_VALUE),
                    v -> assertThat(v).isLessThan(1000L)));

    assertThat(e.getMessage())
        .contains("seed 42", "shrunk (", "): 1000\n", "reproduce with -Dsluice.seed=42");
    assertThat(e.getCause()).isInstanceOf(AssertionError.class).hasMessageContaining("1000");
  }

  @Test
  void sameSeed_findsTheSameFailure() {
    Runnable check =
        () ->
            Property.check(SEED, 1000, Gen.ints(0, 1 << 20), v -> assertThat(v % 1000).isNotZero());

    assertThat(failure(check).getMessage()).isEqualTo(failure(check).getMessage());
  }

  @Test
  void seedProperty_fixesTheSeed() {
    String before = System.getProperty(Property.SEED);
    System.setProperty(Property.SEED, "-17");
    try {
      AssertionError e =
          failure(() -> Property.check(1000, Gen.longs(), v -> assertThat(v).isNotZero()));

      assertThat(e.getMessage()).contains("seed -17", "): 0\n", "-Dsluice.seed=-17");
    } finally {
      if (before == null) {
        System.clearProperty(Property.SEED);
      } else {
        System.setProperty(Property.SEED, before);
      }
    }
  }

  record Pair(long a, long b) {}

  @Test
  void recordOfNumbers_shrinksEachComponent() {
    Gen<Pair> pairs = s -> new Pair(Gen.longs(0, 1_000_000).next(s), Gen.longs(0, 1_000).next(s));

    AssertionError e =
        failure(
            () ->
                Property.check(
                    SEED, 1000, pairs, p -> assertThat(p.a() + p.b()).isLessThanOrEqualTo(100)));

    assertThat(e.getMessage()).contains("): Pair[a=101, b=0]\n");
  }

  @Test
  void list_shrinksToTheShortestPrefixThatFails_withItsElementsSimplified() {
    AssertionError e =
        failure(
            () ->
                Property.check(
                    SEED,
                    1000,
                    Gen.ints(-1000, 1000).list(0, 50),
                    l -> assertThat(l).allSatisfy(v -> assertThat(v).isLessThan(10))));

    assertThat(e.getMessage()).contains("): [10]\n");
  }

  @Test
  void shrinking_keepsTheKindOfFailure() {
    // Below 100 the property fails otherwise: shrinking must not slip to that other failure.
    AssertionError e =
        failure(
            () ->
                Property.check(
                    SEED,
                    1000,
                    Gen.longs(0, 1_000_000),
                    v -> {
                      if (v >= 500) {
                        throw new IllegalStateException("too big: " + v);
                      }
                      assertThat(v).isGreaterThanOrEqualTo(100);
                    }));

    assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
    assertThat(e.getMessage()).contains("): 500\n");
  }

  @Test
  void discardedCases_areReplaced_notCounted() {
    AtomicInteger checked = new AtomicInteger();

    Property.check(
        SEED,
        500,
        Gen.ints(0, 1),
        v -> {
          Property.assume(v == 1);
          checked.incrementAndGet();
        });

    assertThat(checked).hasValue(500);
  }

  @Test
  void tooManyDiscards_failTheProperty() {
    assertThatThrownBy(() -> Property.check(SEED, 10, Gen.longs(), v -> Property.assume(false)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Too many cases discarded: 51 for 0 checked of 10 (seed 42)");
  }

  @Test
  void show_printsArraysWithTheirElements() {
    assertThat(Property.show(new long[] {1, 2})).isEqualTo("[1, 2]");
    assertThat(Property.show(List.of("a"))).isEqualTo("[a]");
    assertThat(Property.show(null)).isEqualTo("null");
  }
}
