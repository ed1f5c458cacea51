package dev.sluice.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.PolicyException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** envoyproxy/ratelimit's files: what it accepts is read, what it refuses is refused, located. */
class RatelimitConfigTest {

  private static String error(String yaml) {
    try {
      RatelimitConfig.parse(yaml, "rl.yaml");
    } catch (PolicyException e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted:\n" + yaml);
  }

  @Test
  void anEmptyDomainIsRefusedAtItsLine() {
    assertThat(error("domain: \"\"\ndescriptors: []\n"))
        .startsWith("rl.yaml:1:9: domain: the domain is empty");
  }

  @Test
  void aDuplicateCompositeKeyIsRefusedWhereItIsWrittenTheSecondTime() {
    String yaml =
        """
        domain: d
        descriptors:
          - key: a
            value: b
            rate_limit: {unit: second, requests_per_unit: 1}
          - key: a
            value: b
            rate_limit: {unit: second, requests_per_unit: 2}
        """;
    assertThat(error(yaml))
        .startsWith("rl.yaml:6:5: descriptors[1]: duplicate descriptor composite key 'd.a_b'");
  }

  @Test
  void anUnknownFieldIsRefusedNamingTheFieldsAllowed() {
    assertThat(error("domain: d\ndescriptors:\n  - key: a\n    rate_limt: {}\n"))
        .startsWith("rl.yaml:4:5: descriptors[0].rate_limt: unknown field 'rate_limt'");
  }

  @Test
  void aBadUnitIsRefused() {
    assertThat(
            error(
                "domain: d\ndescriptors:\n  - key: a\n    rate_limit: {unit: fortnight,"
                    + " requests_per_unit: 1}\n"))
        .startsWith("rl.yaml:4:24: descriptors[0].rate_limit.unit: invalid rate limit unit");
  }

  @Test
  void unlimitedWithAUnitIsRefused() {
    assertThat(
            error(
                "domain: d\ndescriptors:\n  - key: a\n    rate_limit: {unlimited: true, unit:"
                    + " second}\n"))
        .contains("should not specify rate limit unit when unlimited");
  }

  @Test
  void anEmptyKeyAndAnEmptyReplacesEntryAreRefused() {
    assertThat(error("domain: d\ndescriptors:\n  - value: x\n")).contains("empty key");
    assertThat(
            error(
                "domain: d\ndescriptors:\n  - key: a\n    rate_limit: {unit: second,"
                    + " requests_per_unit: 1, replaces: [{name: \"\"}]}\n"))
        .contains("empty replaces entry");
  }

  @Test
  void invalidYamlIsLocated() {
    assertThat(error("domain: d\ndescriptors: [\n")).startsWith("rl.yaml:3:1: invalid YAML");
  }

  @Test
  void everyUnitFromSecondToYearAndAnyIntervalIsAccepted() {
    StringBuilder yaml = new StringBuilder("domain: d\ndescriptors:\n");
    for (String unit :
        new String[] {
          "second", "minute", "hour", "day", "week", "month", "year", "SECOND", "30s"
        }) {
      yaml.append("  - key: k\n    value: ")
          .append(unit)
          .append("\n    rate_limit: {unit: ")
          .append(unit)
          .append(", requests_per_unit: 7}\n");
    }
    RatelimitConfig c = RatelimitConfig.parse(yaml.toString(), "rl.yaml");
    assertThat(c.policy("d").rules()).hasSize(9);
  }

  @Test
  void aDirectoryOfFilesHoldsSeveralDomainsAndADomainTwiceIsRefused(@TempDir Path dir)
      throws Exception {
    Files.writeString(dir.resolve("a.yaml"), "domain: one\ndescriptors: []\n");
    Files.writeString(dir.resolve("b.yml"), "domain: two\n");
    Files.writeString(dir.resolve("notes.txt"), "not configuration");
    assertThat(RatelimitConfig.load(dir).domains()).containsExactly("one", "two");
    Files.writeString(dir.resolve("c.yaml"), "domain: one\n");
    assertThatThrownBy(() -> RatelimitConfig.load(dir))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("c.yaml:1:1: domain: duplicate domain 'one'")
        .hasMessageContaining("a.yaml:1 configures it already");
  }

  @Test
  void aFileIsRecognisedByItsDomainAndASluicePolicyIsNot(@TempDir Path dir) throws Exception {
    Path envoy = Files.writeString(dir.resolve("rl.yaml"), "domain: d\ndescriptors: []\n");
    Path sluice = Files.writeString(dir.resolve("p.yaml"), "global:\n  limits: [10/minute]\n");
    Path broken = Files.writeString(dir.resolve("x.yaml"), "domain: [\n");
    assertThat(RatelimitConfig.recognises(envoy)).isTrue();
    assertThat(RatelimitConfig.recognises(sluice)).isFalse();
    assertThat(RatelimitConfig.recognises(broken)).isFalse();
    assertThat(RatelimitConfig.recognises(dir.resolve("missing.yaml"))).isFalse();
  }

  @Test
  void ruleNamesAreStableAndDistinctForPathsThatLookAlike() {
    assertThat(ConfigReader.ruleName("d.path_/a")).isEqualTo(ConfigReader.ruleName("d.path_/a"));
    assertThat(ConfigReader.ruleName("d.path_/a")).isNotEqualTo(ConfigReader.ruleName("d.path_.a"));
  }
}
