package dev.sluice.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.math.RoundingMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The exact products the sliding window relies on, beyond 64 bits included. */
class MulDivPropertyTest {

  @Property(tries = 2000)
  void floorAndCeilMulDiv_equalBigIntegerArithmetic(
      @ForAll("operand") long a, @ForAll("operand") long b, @ForAll("divisor") long c) {
    BigInteger product = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b));
    BigInteger[] qr = product.divideAndRemainder(BigInteger.valueOf(c));
    Assume.that(qr[0].bitLength() < 63);
    long floor = qr[0].longValueExact();
    long ceil =
        new java.math.BigDecimal(product)
            .divide(new java.math.BigDecimal(c), 0, RoundingMode.CEILING)
            .longValueExact();

    assertThat(Meter.floorMulDiv(a, b, c)).isEqualTo(floor);
    assertThat(Meter.ceilMulDiv(a, b, c)).isEqualTo(ceil);
  }

  @Provide
  Arbitrary<Long> operand() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(0, 1L << 32),
        Arbitraries.longs().between(0, Long.MAX_VALUE),
        Arbitraries.of(0L, 1L, (long) Integer.MAX_VALUE, 1L << 31, 1L << 32, Long.MAX_VALUE));
  }

  @Provide
  Arbitrary<Long> divisor() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(1, 1L << 20),
        Arbitraries.longs().between(1, Long.MAX_VALUE),
        Arbitraries.of(1L, 3L, 7L, Long.MAX_VALUE));
  }
}
