package dev.sluice.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Durations, costs, key sources and the named enums of the policy model. */
class ModelValuesTest {

  @ParameterizedTest
  @CsvSource({
    "1s, PT1S",
    "15m, PT15M",
    "1h, PT1H",
    "1d, PT24H",
    "250ms, PT0.25S",
    "2w, PT336H",
    "second, PT1S",
    "sec, PT1S",
    "minute, PT1M",
    "min, PT1M",
    "hour, PT1H",
    "day, PT24H",
    "week, PT168H",
    "' 2 Hours ', PT2H",
    "3 minutes, PT3M",
    "10 seconds, PT10S",
    "7 days, PT168H",
    "0s, PT0S"
  })
  void durations_parse(String text, String iso) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.parse(iso));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "s", "1.5s", "1y", "abc", "-1s", "1 s s", "1234567890123s", "ms10"})
  void durations_parse_notADuration_isNull(String text) {
    assertThat(Durations.parse(text)).isNull();
  }

  @Test
  void durations_parse_null_isNull() {
    assertThat(Durations.parse(null)).isNull();
  }

  @ParameterizedTest
  @CsvSource({
    "PT1S, second",
    "PT1M, minute",
    "PT1H, hour",
    "PT24H, day",
    "PT48H, 2d",
    "PT168H, 7d",
    "PT36H, 36h",
    "PT15M, 15m",
    "PT90S, 90s",
    "PT0.25S, 250ms",
    "PT1.5S, 1500ms"
  })
  void durations_label(String iso, String label) {
    assertThat(Durations.label(Duration.parse(iso))).isEqualTo(label);
  }

  @Test
  void cost_fixed_within0AndIntMax() {
    assertThatThrownBy(() -> new Cost.Fixed(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cost must be between 0 and 2147483647, got -1");
    assertThatThrownBy(() -> new Cost.Fixed(2147483648L))
        .hasMessage("cost must be between 0 and 2147483647, got 2147483648");
    assertThat(new Cost.Fixed(0)).hasToString("0");
    assertThat(Cost.ONE).isEqualTo(new Cost.Fixed(1));
  }

  @Test
  void cost_fromRequest_validatesItsBounds() {
    assertThatThrownBy(() -> new Cost.FromRequest(Cost.From.HEADER, " ", 1, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cost source name must not be blank");
    assertThatThrownBy(() -> new Cost.FromRequest(Cost.From.HEADER, "X-Cost", 1, 0))
        .hasMessage("cost max must be between 1 and 2147483647");
    assertThatThrownBy(() -> new Cost.FromRequest(Cost.From.HEADER, "X-Cost", 11, 10))
        .hasMessage("default cost must be between 0 and max (10)");
    assertThatThrownBy(() -> new Cost.FromRequest(Cost.From.HEADER, "X-Cost", -1, 10))
        .hasMessage("default cost must be between 0 and max (10)");
    assertThatThrownBy(() -> new Cost.FromRequest(null, "X-Cost", 1, 10))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("from");
    assertThatThrownBy(() -> new Cost.FromRequest(Cost.From.QUERY, null, 1, 10))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThat(new Cost.FromRequest(Cost.From.HEADER, "X-Cost", 1, 10))
        .hasToString("header X-Cost (default 1, max 10)");
  }

  @Test
  void keySources_describeThemselves() {
    assertThat(new KeySource.Bearer().describe()).isEqualTo("bearer token");
    assertThat(new KeySource.Header("X-API-Key").describe()).isEqualTo("header X-API-Key");
    assertThat(new KeySource.ClientIp().describe()).isEqualTo("client IP");
    assertThat(new KeySource.BodyField("user.email").describe()).isEqualTo("body field user.email");
    assertThat(new KeySource.PathParam("id").describe()).isEqualTo("path parameter {id}");
    assertThat(new KeySource.QueryParam("key").describe()).isEqualTo("query parameter key");
    assertThat(new KeySource.Constant("all").describe())
        .isEqualTo("everyone (one shared bucket 'all')");
    assertThat(
            new KeySource.FirstOf(List.of(new KeySource.Bearer(), new KeySource.ClientIp()))
                .describe())
        .isEqualTo("bearer token, else client IP");
  }

  @Test
  void keySources_refuseBlankNames() {
    assertThatThrownBy(() -> new KeySource.Header(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header name must not be blank");
    assertThatThrownBy(() -> new KeySource.Header(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("header name");
    assertThatThrownBy(() -> new KeySource.BodyField(""))
        .hasMessage("body field must not be blank");
    assertThatThrownBy(() -> new KeySource.PathParam("\t"))
        .hasMessage("path parameter must not be blank");
    assertThatThrownBy(() -> new KeySource.QueryParam(""))
        .hasMessage("query parameter must not be blank");
    assertThatThrownBy(() -> new KeySource.Constant(""))
        .hasMessage("constant key must not be blank");
  }

  @Test
  void keySources_fallbackChains_needTwoSources_andDoNotNest() {
    assertThatThrownBy(() -> new KeySource.FirstOf(List.of(new KeySource.Bearer())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a fallback chain needs at least two sources");
    KeySource inner =
        new KeySource.FirstOf(List.of(new KeySource.Bearer(), new KeySource.ClientIp()));
    assertThatThrownBy(() -> new KeySource.FirstOf(List.of(inner, new KeySource.Header("X"))))
        .hasMessage("fallback chains do not nest; list the sources flat");
  }

  @Test
  void enums_roundTripTheirLabels() {
    for (Algorithm a : Algorithm.values()) {
      assertThat(Algorithm.fromLabel(a.label())).isEqualTo(a);
    }
    for (HeaderDialect h : HeaderDialect.values()) {
      assertThat(HeaderDialect.fromLabel(h.label())).isEqualTo(h);
    }
    for (DenialFormat d : DenialFormat.values()) {
      assertThat(DenialFormat.fromLabel(d.label())).isEqualTo(d);
    }
    assertThat(Algorithm.fromLabel("leaky")).isNull();
    assertThat(HeaderDialect.fromLabel("X-RateLimit")).isNull();
    assertThat(DenialFormat.fromLabel("json")).isNull();
    assertThat(
            List.of(
                Algorithm.FIXED_WINDOW.label(),
                Algorithm.SLIDING_WINDOW.label(),
                Algorithm.TOKEN_BUCKET.label()))
        .containsExactly("fixed", "sliding", "token-bucket");
    assertThat(
            List.of(
                HeaderDialect.X_RATELIMIT.label(),
                HeaderDialect.IETF.label(),
                HeaderDialect.BOTH.label(),
                HeaderDialect.NONE.label()))
        .containsExactly("x-ratelimit", "ietf", "both", "none");
    assertThat(
            List.of(
                DenialFormat.DETAIL.label(),
                DenialFormat.ERROR_CODE.label(),
                DenialFormat.PROBLEM.label()))
        .containsExactly("detail", "error-code", "problem");
  }
}
