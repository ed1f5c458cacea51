package dev.sluice.core.limit;

import java.math.BigInteger;

/** An exact rational number, for reference models that must not round. Always normalised. */
record Q(BigInteger num, BigInteger den) implements Comparable<Q> {
  static final Q ZERO = of(0);

  Q {
    if (den.signum() == 0) {
      throw new ArithmeticException("zero denominator");
    }
    if (den.signum() < 0) {
      num = num.negate();
      den = den.negate();
    }
    BigInteger g = num.gcd(den);
    if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
      num = num.divide(g);
      den = den.divide(g);
    }
  }

  static Q of(long n) {
    return new Q(BigInteger.valueOf(n), BigInteger.ONE);
  }

  static Q of(long n, long d) {
    return new Q(BigInteger.valueOf(n), BigInteger.valueOf(d));
  }

  Q plus(Q o) {
    return new Q(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
  }

  Q minus(Q o) {
    return new Q(num.multiply(o.den).subtract(o.num.multiply(den)), den.multiply(o.den));
  }

  Q times(Q o) {
    return new Q(num.multiply(o.num), den.multiply(o.den));
  }

  Q times(long n) {
    return times(of(n));
  }

  Q min(Q o) {
    return compareTo(o) <= 0 ? this : o;
  }

  boolean isInteger() {
    return den.equals(BigInteger.ONE);
  }

  /** The value, which must be an integer that fits a long. */
  long exact() {
    if (!isInteger()) {
      throw new ArithmeticException(this + " is not an integer");
    }
    return num.longValueExact();
  }

  long floor() {
    BigInteger[] qr = num.divideAndRemainder(den);
    BigInteger q = qr[0];
    if (qr[1].signum() < 0) {
      q = q.subtract(BigInteger.ONE);
    }
    return q.longValueExact();
  }

  long ceil() {
    return -new Q(num.negate(), den).floor();
  }

  @Override
  public int compareTo(Q o) {
    return num.multiply(o.den).compareTo(o.num.multiply(den));
  }

  boolean le(Q o) {
    return compareTo(o) <= 0;
  }

  @Override
  public String toString() {
    return isInteger() ? num.toString() : num + "/" + den;
  }
}
