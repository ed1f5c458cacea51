package dev.sluice.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A generator of random values for {@link Property#check}. A generator is a function of a {@link
 * Source}; build one from the factories here and, for several values at once, with a lambda that
 * calls other generators in turn:
 *
 * <pre>{@code
 * record Case(long ceiling, double u) {}
 * Gen<Case> cases = s -> new Case(Gen.longs(1, Long.MAX_VALUE).next(s), Gen.doubles(0, 1).next(s));
 * }</pre>
 *
 * <p>Numbers come edge-biased: about one draw in eight is an edge of its range (the bounds, their
 * neighbours, 0, 1, -1 where the range holds them), and about half of the rest lie at a random bit
 * length from the range's simplest value, so that small values come often even in wide ranges.
 * Choices among alternatives ({@link #of}, {@link #oneOf}, {@link #frequency}) are uniform by
 * weight. Everything shrinks towards 0 (or the range's bound nearer to 0), the first alternative
 * and the shortest list.
 *
 * @param <T> the type of the values
 */
@FunctionalInterface
public interface Gen<T> {
  /** How many draws {@link #filter} makes before it gives the case up as discarded. */
  int FILTER_DRAWS = 1_000;

  /** The next value, from the source's choices. */
  T next(Source source);

  /** This generator's values passed through {@code f}. */
  default <R> Gen<R> map(Function<? super T, ? extends R> f) {
    return s -> f.apply(next(s));
  }

  /** A value of the generator {@code f} makes of this generator's value. */
  default <R> Gen<R> flatMap(Function<? super T, ? extends Gen<? extends R>> f) {
    return s -> f.apply(next(s)).next(s);
  }

  /**
   * Only values that satisfy {@code accept}: it draws again, up to {@link #FILTER_DRAWS} times,
   * then discards the whole case (as {@link Property#assume} does). For rare rejections only.
   */
  default Gen<T> filter(Predicate<? super T> accept) {
    return s -> {
      for (int i = 0; i < FILTER_DRAWS; i++) {
        T v = next(s);
        if (accept.test(v)) {
          return v;
        }
      }
      throw new Property.Discarded();
    };
  }

  /** Lists of this generator's values, of {@code minSize} to {@code maxSize} elements. */
  default Gen<List<T>> list(int minSize, int maxSize) {
    return s -> {
      int n = (int) s.draw(minSize, maxSize, true);
      int[] spans = new int[n + 2];
      spans[0] = s.position() - 1;
      List<T> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        spans[1 + i] = s.position();
        list.add(next(s));
      }
      spans[n + 1] = s.position();
      s.list(spans);
      return Collections.unmodifiableList(list);
    };
  }

  /** Any {@code long}. */
  static Gen<Long> longs() {
    return longs(Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /** A {@code long} from {@code min} to {@code max}, both included. */
  static Gen<Long> longs(long min, long max) {
    checkRange(min, max);
    return s -> s.draw(min, max, true);
  }

  /** An {@code int} from {@code min} to {@code max}, both included. */
  static Gen<Integer> ints(int min, int max) {
    checkRange(min, max);
    return s -> (int) s.draw(min, max, true);
  }

  /**
   * A {@code double} from {@code min} included to {@code maxExcluded} excluded, on a grid of 2^53
   * steps: the edges are {@code min} and the last step below {@code maxExcluded}.
   */
  static Gen<Double> doubles(double min, double maxExcluded) {
    if (!(min < maxExcluded) || Double.isInfinite(maxExcluded - min)) {
      throw new IllegalArgumentException("bad range [" + min + ", " + maxExcluded + ")");
    }
    return s -> {
      double d = min + (maxExcluded - min) * (s.draw(0, (1L << 53) - 1, true) * 0x1.0p-53);
      return d < maxExcluded ? d : Math.nextDown(maxExcluded); // rounding may reach the bound
    };
  }

  /** A {@code char} from {@code from} to {@code to}, both included. */
  static Gen<Character> chars(char from, char to) {
    checkRange(from, to);
    return s -> (char) s.draw(from, to, true);
  }

  /** One of the characters of {@code alphabet}; shrinks towards the first. */
  static Gen<Character> chars(String alphabet) {
    Character[] cs = alphabet.chars().mapToObj(c -> (char) c).toArray(Character[]::new);
    return of(cs);
  }

  /**
   * A character of the Basic Multilingual Plane that a text may hold: neither a surrogate, nor a
   * noncharacter (U+FDD0 to U+FDEF, U+FFFE, U+FFFF), nor for private use (U+E000 to U+F8FF).
   */
  static Gen<Character> unicodeChars() {
    // Indices into the three allowed runs, so that no draw is wasted and 0 maps to U+0000.
    long low = 0xd800; // U+0000..U+D7FF
    long mid = 0xfdd0 - 0xf900; // U+F900..U+FDCF
    long high = 0xfffe - 0xfdf0; // U+FDF0..U+FFFD
    return s -> {
      long i = s.draw(0, low + mid + high - 1, true);
      return (char) (i < low ? i : i < low + mid ? 0xf900 + i - low : 0xfdf0 + i - low - mid);
    };
  }

  /** Strings of {@code minLength} to {@code maxLength} characters from {@code chars}. */
  static Gen<String> strings(Gen<Character> chars, int minLength, int maxLength) {
    return chars
        .list(minLength, maxLength)
        .map(
            cs -> {
              StringBuilder b = new StringBuilder(cs.size());
              cs.forEach(b::append);
              return b.toString();
            });
  }

  /** Always {@code value}. */
  static <T> Gen<T> constant(T value) {
    return s -> value;
  }

  /** One of {@code values}, each as likely; shrinks towards the first. */
  @SafeVarargs
  static <T> Gen<T> of(T... values) {
    List<T> copy = new ArrayList<>(); // element by element: -Xlint:varargs flags passing the array
    for (T v : values) {
      copy.add(v);
    }
    return s -> copy.get((int) s.draw(0, copy.size() - 1, false));
  }

  /** One of the enum's constants, each as likely; shrinks towards the first declared. */
  static <E extends Enum<E>> Gen<E> enums(Class<E> type) {
    return of(type.getEnumConstants());
  }

  /** A value of one of {@code gens}, each as likely; shrinks towards the first. */
  @SafeVarargs
  static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
    List<Gen<? extends T>> copy = new ArrayList<>();
    for (Gen<? extends T> g : gens) {
      copy.add(g);
    }
    return s -> copy.get((int) s.draw(0, copy.size() - 1, false)).next(s);
  }

  /** A value of one of the weighted generators, as likely as its weight; shrinks to the first. */
  @SafeVarargs
  static <T> Gen<T> frequency(Weighted<? extends T>... choices) {
    List<Weighted<? extends T>> copy = new ArrayList<>();
    for (Weighted<? extends T> w : choices) {
      copy.add(w);
    }
    long total = copy.stream().mapToLong(Weighted::weight).sum();
    return s -> {
      long pick = s.draw(0, total - 1, false);
      for (Weighted<? extends T> w : copy) {
        if (pick < w.weight()) {
          return w.gen().next(s);
        }
        pick -= w.weight();
      }
      throw new AssertionError("unreachable: the picks sum to the total weight");
    };
  }

  /** {@code gen} with a weight, for {@link #frequency}. */
  static <T> Weighted<T> weighted(int weight, Gen<? extends T> gen) {
    return new Weighted<>(weight, gen);
  }

  /**
   * A generator and how often {@link #frequency} picks it, relative to the others.
   *
   * @param weight a positive weight
   * @param gen the generator
   * @param <T> the type of the values
   */
  record Weighted<T>(int weight, Gen<? extends T> gen) {
    /** Checks the weight. */
    public Weighted {
      if (weight <= 0) {
        throw new IllegalArgumentException("weight " + weight + " is not positive");
      }
    }
  }

  private static void checkRange(long min, long max) {
    if (min > max) {
      throw new IllegalArgumentException("empty range [" + min + ", " + max + "]");
    }
  }
}
