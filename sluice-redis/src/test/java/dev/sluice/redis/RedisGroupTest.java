package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.policy.Algorithm;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.GroupName;
import dev.sluice.core.store.MeterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A rule's key suffix and script arguments, without a Redis: the suffix names the keys that hold
 * the counts, so it must not change for an unchanged rule from one release to the next, or every
 * count would start afresh on upgrade.
 */
class RedisGroupTest {
  private static final Window SECOND = Window.of(Duration.ofSeconds(1));
  private static final Window MINUTE = Window.of(Duration.ofMinutes(1));
  private static final Window HOUR = Window.of(Duration.ofHours(1));

  private static RedisGroup group(String rule, Limit... limits) {
    return new RedisGroup(null, GroupName.of(rule), List.of(limits));
  }

  @Test
  void keySuffix_ofExistingLimits_isTheSameAsInEarlierReleases() {
    // Computed by commit a07452a, before the meters described their own store parameters; the
    // identity text behind each hash is documented in RedisGroup.
    assertThat(group("api", Limit.fixed("minute", 100, MINUTE)).suffix)
        .isEqualTo(":37f72ddf153561f2");
    assertThat(group("search", Limit.sliding("hour", 1_000, HOUR)).suffix)
        .isEqualTo(":1764efd06dfcff12");
    assertThat(group("burst", Limit.tokenBucket("burst", 10, SECOND, 20)).suffix)
        .isEqualTo(":7317e5e976077637");
    assertThat(group("odd", Limit.tokenBucket("odd", 7, SECOND, 3)).suffix)
        .isEqualTo(":1e253f7e71d23181");
    assertThat(
            group("verify", Limit.fixed("verify", 5, Window.lifetime(Duration.ofDays(30)))).suffix)
        .isEqualTo(":040633db377401c9");
    assertThat(
            group(
                    "global",
                    Limit.fixed("second", 10, SECOND),
                    Limit.sliding("minute", 300, MINUTE),
                    Limit.tokenBucket("api-burst", 50, MINUTE, 100),
                    Limit.fixed("total", 1_000, Window.lifetime(Duration.ofDays(7))))
                .suffix)
        .isEqualTo(":626a33b80525747e");
  }

  @Test
  void scriptArguments_areEachLimitsKindAndFigures() {
    RedisGroup g =
        group(
            "global",
            Limit.fixed("second", 10, SECOND),
            Limit.sliding("minute", 300, MINUTE),
            Limit.tokenBucket("odd", 7, SECOND, 3),
            Limit.fixed("total", 1_000, Window.lifetime(Duration.ofDays(7))));

    assertThat(String.join(" ", g.spec))
        .as("kind, a, b per limit; for GCRA a = burst, b = ceil(1 s / 7) µs")
        .isEqualTo(
            "f 10 1000000  s 300 60000000  g 3 142858  l 1000 604800000000".replace("  ", " "));
  }

  @Test
  void aTokenBucketBeyondExactDoubles_isRefused_namingTheLimit() {
    Limit huge = Limit.tokenBucket("huge", 1, Window.of(Duration.ofDays(365 * 50)), 10);

    assertThatThrownBy(() -> group("api", huge))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit 'huge' of rule 'api'")
        .hasMessageContaining("71 years");
  }

  @Test
  void everyMetersKind_isOneTheScriptCounts_inABranchOfItsOwn() {
    String script = Script.CHARGE.body;
    Matcher table = Pattern.compile("local SLOTS = \\{([^}]*)}").matcher(script);
    assertThat(table.find()).as("charge.lua's SLOTS table").isTrue();
    Set<String> counted = new HashSet<>();
    for (String entry : table.group(1).split(",")) {
      counted.add(entry.substring(0, entry.indexOf('=')).trim());
    }
    List<Limit> oneOfEach = new ArrayList<>();
    for (Algorithm a : Algorithm.values()) {
      oneOfEach.add(new Limit("x", 10, MINUTE, a, 10));
    }
    oneOfEach.add(Limit.fixed("x", 10, Window.lifetime(Duration.ofDays(1))));

    for (Limit l : oneOfEach) {
      String kind = MeterSpec.of(l).kind();
      assertThat(counted).as("%s has slots in the script", l).contains(kind);
      assertThat(script).as("%s has a branch in the script", l).contains("kind == '" + kind + "'");
      assertThatCode(() -> group("r", l)).as("%s is accepted", l).doesNotThrowAnyException();
    }
    assertThat(oneOfEach).extracting(l -> MeterSpec.of(l).kind()).doesNotHaveDuplicates();
  }

  @Test
  void aMeterTheScriptHasNoTwinOf_isRefused_notCountedAsAnother() {
    Limit l = Limit.fixed("minute", 100, MINUTE);

    assertThatThrownBy(
            () -> RedisGroup.refuseWhatTheScriptCannotCount("api", l, new MeterSpec("x", 1, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "limit 'minute' of rule 'api' (minute 100/minute) is counted by a meter of kind 'x',"
                + " which the Redis store's script (charge.lua) has no twin of");
  }
}
