package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TickerAndRequestTest {

  @Test
  void manualTicker_movesOnlyWhenTold() {
    ManualTicker t = new ManualTicker(Instant.parse("2030-06-01T12:00:00.000123Z"));

    assertThat(t.epochMicros()).isEqualTo(Instant.parse("2030-06-01T12:00:00Z").getEpochSecond() * 1_000_000 + 123);
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
  void systemTickers_readTheWallClock() {
    long before = Instant.now().toEpochMilli() * 1_000;

    assertThat(Ticker.precise().epochMicros()).isGreaterThanOrEqualTo(before);
    assertThat(Ticker.system().epochMicros()).isGreaterThan(before - 60_000_000L);
  }

  @Test
  void request_parsesItsQueryString_firstValueWins() {
    Request r = Request.builder("get", "/search?q=a%20b&q=second&flag&x=1=2").query("q", "ignored").build();

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
