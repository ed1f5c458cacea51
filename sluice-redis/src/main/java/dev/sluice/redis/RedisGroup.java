package dev.sluice.redis;

import dev.sluice.core.policy.Limit;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.GroupName;
import dev.sluice.core.store.MeterSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A rule's handle in a {@link RedisStore}: its key suffix and the script arguments that describe
 * its limits, both computed once.
 *
 * <p>The suffix is a hash of the rule's name and limits (and of the state layout's version), so a
 * rule whose limits change gets new keys and starts afresh, while an unchanged rule keeps its
 * counts across reloads and across instances that bind the same policy. The old keys are left to
 * their TTLs. The hashed text is the layout version and the rule's name, then a line per limit: its
 * name, its meter's {@linkplain MeterSpec#kind() kind}, permits, window (or retention) in
 * microseconds and burst, separated by spaces; the suffix is the first 8 bytes of its SHA-256 in
 * hex. That text must stay the same for an unchanged limit from one release to the next, or an
 * upgrade would reset every count (RedisGroupTest pins a few).
 *
 * <p>The script arguments are each limit's {@link MeterSpec}: the meters compute them (the token
 * bucket's emission interval included), and this class only refuses what the script cannot count: a
 * kind it has no twin of, and a token bucket whose timestamps would pass Lua's exact doubles.
 */
final class RedisGroup implements BucketGroup {
  /** Bumped whenever the state a script keeps per bucket changes form or meaning (v2: packed). */
  private static final String LAYOUT = "sluice-redis-v2";

  /**
   * The largest GCRA tolerance the script accepts: its timestamps reach now + 2 * tolerance, and
   * Lua's doubles are exact only below 2^53 micros.
   */
  static final long MAX_TOLERANCE_MICROS = 1L << 51;

  final RedisStore owner;
  private final GroupName name;
  private final List<Limit> limits;

  /** Appended to the hash-tagged identity: {@code ":" + the rule's hash}. */
  final String suffix;

  /** Per limit: its {@link MeterSpec}'s kind, a, b, as the script reads them (see charge.lua). */
  final String[] spec;

  RedisGroup(RedisStore owner, GroupName name, List<Limit> limits) {
    this.owner = owner;
    this.name = name;
    this.limits = List.copyOf(limits);
    if (this.limits.isEmpty()) {
      throw new IllegalArgumentException(
          "rule '" + name + "' has no limits; at least one is needed");
    }
    this.spec = new String[3 * this.limits.size()];
    StringBuilder identity = new StringBuilder(LAYOUT).append('\n').append(name.key());
    for (int j = 0; j < this.limits.size(); j++) {
      Limit l = this.limits.get(j);
      MeterSpec m = MeterSpec.of(l);
      refuseWhatTheScriptCannotCount(name.key(), l, m);
      spec[3 * j] = m.kind();
      spec[3 * j + 1] = Long.toString(m.a());
      spec[3 * j + 2] = Long.toString(m.b());
      identity
          .append('\n')
          .append(l.name())
          .append(' ')
          .append(m.kind())
          .append(' ')
          .append(l.permits())
          .append(' ')
          .append(l.window().micros())
          .append(' ')
          .append(l.burst());
    }
    this.suffix = ":" + hash(identity.toString());
  }

  /**
   * Throws unless charge.lua counts limit {@code l} (of {@code rule}), whose meter's spec is {@code
   * m}, exactly. The script has a twin of the fixed window ({@code f}), the sliding window ({@code
   * s}), the lifetime budget ({@code l}) and GCRA ({@code g}); GCRA's timestamps reach {@code now +
   * 2 * tau}, {@code tau = a * b}, and Lua's doubles are exact only below 2<sup>53</sup>, so its
   * {@code tau} may be at most {@link #MAX_TOLERANCE_MICROS}.
   */
  static void refuseWhatTheScriptCannotCount(String rule, Limit l, MeterSpec m) {
    String which = "limit '" + l.name() + "' of rule '" + rule + "' (" + l + ")";
    switch (m.kind()) {
      case "f", "s", "l" -> {}
      case "g" -> {
        if (Math.multiplyHigh(m.a(), m.b()) != 0 || m.a() * m.b() > MAX_TOLERANCE_MICROS) {
          throw new IllegalArgumentException(
              which
                  + " banks more than 71 years of credit, more than the Redis store can count"
                  + " exactly; lower the burst or shorten the window");
        }
      }
      default ->
          throw new IllegalArgumentException(
              which
                  + " is counted by a meter of kind '"
                  + m.kind()
                  + "', which the Redis store's script (charge.lua) has no twin of");
    }
  }

  private static String hash(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  @Override
  public GroupName name() {
    return name;
  }

  @Override
  public List<Limit> limits() {
    return limits;
  }

  @Override
  public String toString() {
    return "RedisGroup[" + name + " " + limits + "]";
  }
}
