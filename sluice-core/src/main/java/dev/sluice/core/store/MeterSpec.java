package dev.sluice.core.store;

import dev.sluice.core.limit.Meter;
import dev.sluice.core.policy.Limit;
import java.util.Objects;

/**
 * What a store that runs the meters' arithmetic elsewhere (a Lua script, say) needs to know of one
 * limit: which meter counts it, and two whole numbers that, with the state it keeps, are all that
 * meter's formulas read. The in-memory store needs none of this; the Redis store passes it to its
 * script with every call.
 *
 * <table>
 *   <caption>The kinds</caption>
 *   <tr><th>kind</th><th>meter</th><th>a</th><th>b</th></tr>
 *   <tr><td>{@code f}</td><td>fixed window</td><td>permits {@code N}</td>
 *       <td>window length {@code W}, µs</td></tr>
 *   <tr><td>{@code s}</td><td>sliding window</td><td>permits {@code N}</td>
 *       <td>window length {@code W}, µs</td></tr>
 *   <tr><td>{@code g}</td><td>token bucket, as GCRA</td><td>burst {@code B}</td>
 *       <td>emission interval {@code T = max(1, ceil(W / N))}, µs</td></tr>
 *   <tr><td>{@code l}</td><td>lifetime budget</td><td>permits {@code N}</td>
 *       <td>retention {@code R}, µs</td></tr>
 * </table>
 *
 * <p>The token bucket's interval is rounded up to a whole microsecond, so its sustained rate is at
 * most {@code N / W} and short of it by less than {@code N} µs per window; its tolerance {@code tau
 * = a * b} (the credit a full bucket holds, in µs) is below 2<sup>61</sup>, as {@link Limit}
 * refuses more. A store whose numbers are doubles (Lua's) is exact only below 2<sup>53</sup>, and
 * must refuse a limit whose timestamps could pass that: for {@code g}, {@code now + 2 * tau}.
 *
 * <p>The kind codes are a store's stored format as much as the state is: a store may hash them into
 * its keys (the Redis store does), so a code, once given, keeps its meaning. A new algorithm gets a
 * new code.
 *
 * @param kind the meter: {@code f}, {@code s}, {@code g} or {@code l}
 * @param a the first figure, per the table: at least 1
 * @param b the second figure, per the table: at least 1
 */
public record MeterSpec(String kind, long a, long b) {

  /** Checks that the kind is given and both figures are at least 1. */
  public MeterSpec {
    Objects.requireNonNull(kind, "kind");
    if (a < 1 || b < 1) {
      throw new IllegalArgumentException("a meter's figures are at least 1, got " + a + ", " + b);
    }
  }

  /** The spec of {@code limit}'s meter. */
  public static MeterSpec of(Limit limit) {
    return Meter.of(Objects.requireNonNull(limit, "limit")).spec();
  }
}
