package dev.sluice.redis;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.GroupName;
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
 * their TTLs.
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

  /** Per limit: kind, a, b (see charge.lua). */
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
      long w = l.window().micros();
      String kind;
      long a;
      long b;
      if (l.isLifetime()) {
        kind = "l";
        a = l.permits();
        b = w;
      } else if (l.algorithm() == Algorithm.FIXED_WINDOW) {
        kind = "f";
        a = l.permits();
        b = w;
      } else if (l.algorithm() == Algorithm.SLIDING_WINDOW) {
        kind = "s";
        a = l.permits();
        b = w;
      } else {
        kind = "g";
        a = l.burst();
        b = Math.max(1, w / l.permits() + (w % l.permits() == 0 ? 0 : 1)); // as Gcra's interval
        if (Math.multiplyHigh(a, b) != 0 || a * b > MAX_TOLERANCE_MICROS) {
          throw new IllegalArgumentException(
              "limit '"
                  + l.name()
                  + "' of rule '"
                  + name
                  + "' ("
                  + l
                  + ") banks more than 71 years of credit, more than the Redis store can "
                  + "count exactly; lower the burst or shorten the window");
        }
      }
      spec[3 * j] = kind;
      spec[3 * j + 1] = Long.toString(a);
      spec[3 * j + 2] = Long.toString(b);
      identity
          .append('\n')
          .append(l.name())
          .append(' ')
          .append(kind)
          .append(' ')
          .append(l.permits())
          .append(' ')
          .append(w)
          .append(' ')
          .append(l.burst());
    }
    this.suffix = ":" + hash(identity.toString());
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
