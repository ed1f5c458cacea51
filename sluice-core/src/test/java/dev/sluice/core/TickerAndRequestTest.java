package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TickerAndRequestTest {

  @Test
  void manualTicker_movesOnlyWhenTold() {
    ManualTicker t = new ManualTicker(Instant.parse("2030-06-01T12:00:00.000123Z"));

    assertThat(t.epochMicros())
        .isEqualTo(Instant.parse("2030-06-01T12:00:00Z").getEpochSecond() * 1_000_000 + 123);
    t.advance(Duration.ofMillis(1_500)).advance(Duration.ofNanos(999));
    assertThat(t.instant()).isEqualTo(Instant.parse("2030-06-01T12:00:01.500123Z"));
    t.advance(Duration.ofSeconds(-2));
    assertThat(t.instant()).isEqualTo(Instant.parse("2030-06-01T11:59:59.500123Z"));
    t.set(Instant.EPOCH.minusNanos(1_000));
    assertThat(t.epochMicros()).isEqualTo(-1);
    assertThat(t.instant()).isEqualTo(Instant.EPOCH.minusNanos(1_000));
    assertThat(new ManualTicker(42).epochMicros()).isEqualTo(42);
  }

  @Test
  void manualTicker_refusesTimesEpochMicrosCannotHold() {
    assertThatThrownBy(() -> new ManualTicker(Instant.MAX))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "start +1000000000-12-31T23:59:59.999999999Z is outside what epoch microseconds can"
                + " hold");
    assertThatThrownBy(() -> new ManualTicker(Instant.MIN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ManualTicker(0).set(Instant.parse("+294248-01-01T00:00:00Z")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("t +294248-01-01T00:00:00Z is outside");
    assertThatThrownBy(() -> new ManualTicker((Instant) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("start");

    ManualTicker t = new ManualTicker(Long.MAX_VALUE - 10);
    assertThatThrownBy(() -> t.advance(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("leaves what epoch microseconds can hold");
    assertThat(t.epochMicros())
        .as("unchanged by the refused advance")
        .isEqualTo(Long.MAX_VALUE - 10);
    assertThatThrownBy(() -> new ManualTicker(0).advance(Duration.ofSeconds(Long.MAX_VALUE)))
        .isInstanceOf(IllegalArgumentException.class);
    ManualTicker far = new ManualTicker(0).advance(Duration.ofDays(365L * 1_000));
    assertThat(far.epochMicros())
        .as("beyond Duration.toNanos (292 years)")
        .isEqualTo(365L * 1_000 * 86_400_000_000L);
  }

  @Test
  void systemTickers_readTheWallClock() {
    long before = Instant.now().toEpochMilli() * 1_000;

    assertThat(Ticker.precise().epochMicros()).isGreaterThanOrEqualTo(before);
    assertThat(Ticker.system().epochMicros()).isGreaterThan(before - 60_000_000L);
  }

  @Test
  void request_parsesItsQueryString_firstValueWins() {
    Request r =
        Request.builder("get", "/search?q=a%20b&q=second&flag&x=1=2").query("q", "ignored").build();

    assertThat(r.method()).isEqualTo("GET");
    assertThat(r.path()).isEqualTo("/search");
    assertThat(r.queryParameter("q")).isEqualTo("a b");
    assertThat(r.queryParameter("flag")).isEmpty();
    assertThat(r.queryParameter("x")).isEqualTo("1=2");
    assertThat(r.queryParameter("missing")).isNull();
    assertThat(r).hasToString("GET /search");
  }

  @Test
  void request_headersAreCaseInsensitive_firstValueWins() {
    Request r = Request.builder("GET", "/").header("X-Key", "one").header("x-key", "two").build();

    assertThat(r.header("X-KEY")).isEqualTo("one");
    assertThat(r.header("X-Key")).isEqualTo("one"); // the spelling it was set with
    assertThat(r.header("x-key")).isEqualTo("one"); // the spelling whose value lost
    assertThat(r.header("absent")).isNull();
    assertThat(r.clientAddress()).isNull();
    assertThat(r.bodyField("a")).isNull();
  }
}
