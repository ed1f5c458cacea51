package dev.sluice.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.Gen;
import dev.sluice.testing.Property;
import java.math.BigInteger;
import java.math.RoundingMode;
import org.junit.jupiter.api.Test;

/** The exact products the sliding window relies on, beyond 64 bits included. */
class MulDivPropertyTest {
  private static final Gen<Long> OPERAND =
      Gen.oneOf(
          Gen.longs(0, 1L << 32),
          Gen.longs(0, Long.MAX_VALUE),
          Gen.of(0L, 1L, (long) Integer.MAX_VALUE, 1L << 31, 1L << 32, Long.MAX_VALUE));

  private static final Gen<Long> DIVISOR =
      Gen.oneOf(
          Gen.longs(1, 1L << 20), Gen.longs(1, Long.MAX_VALUE), Gen.of(1L, 3L, 7L, Long.MAX_VALUE));

  record Case(long a, long b, long c) {}

  @Test
  void floorAndCeilMulDiv_equalBigIntegerArithmetic() {
    Property.check(
        2000,
        s -> new Case(OPERAND.next(s), OPERAND.next(s), DIVISOR.next(s)),
        x -> {
          BigInteger product = BigInteger.valueOf(x.a()).multiply(BigInteger.valueOf(x.b()));
          BigInteger[] qr = product.divideAndRemainder(BigInteger.valueOf(x.c()));
          Property.assume(qr[0].bitLength() < 63);
          long floor = qr[0].longValueExact();
          long ceil =
              new java.math.BigDecimal(product)
                  .divide(new java.math.BigDecimal(x.c()), 0, RoundingMode.CEILING)
                  .longValueExact();

          assertThat(Meter.floorMulDiv(x.a(), x.b(), x.c())).isEqualTo(floor);
          assertThat(Meter.ceilMulDiv(x.a(), x.b(), x.c())).isEqualTo(ceil);
        });
  }
}
