package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.TestServer.Reply;
import dev.sluice.testing.Gen;
import dev.sluice.testing.Property;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed and hostile headers never crash the client and never make it wait past its cap. */
class HostileHeadersTest {
  private static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");
  private static final Duration CAP = Duration.ofSeconds(10);
  private static final long CAP_NANOS = CAP.toNanos();

  private final FakeSleeper sleeper = new FakeSleeper();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void parsers_neverThrow_andStayInRange() {
    Property.check(3000, fieldValues(), HostileHeadersTest::parsersStayInRange);
  }

  private static void parsersStayInRange(List<String> v) {
    HttpHeaders h =
        Headers.of(
            "Retry-After",
            v.get(0),
            "X-RateLimit-Limit",
            v.get(1),
            "X-RateLimit-Remaining",
            v.get(2),
            "X-RateLimit-Reset",
            v.get(3),
            "RateLimit",
            v.get(4),
            "RateLimit-Policy",
            v.get(5),
            "Date",
            v.get(6),
            "Cache-Control",
            v.get(7),
            "Expires",
            v.get(3),
            "Age",
            v.get(2),
            "RateLimit-Reset",
            v.get(0));

    assertThat(ServerTime.retryAfterNanos(h, NOW)).isGreaterThanOrEqualTo(-1);
    assertThat(ResponseCache.freshness(h, NOW)).isGreaterThanOrEqualTo(-1);
    QuotaReading q = QuotaHeaders.parse(h, NOW);
    if (q != null) {
      assertThat(q.toString()).startsWith("QuotaReading[");
      assertThat(q.limit().orElse(0)).isNotNegative();
      assertThat(q.remaining().orElse(0)).isNotNegative();
      q.resetAt().ifPresent(r -> Nanos.between(NOW, r));
      q.window().ifPresent(w -> assertThat(w).isPositive());
    }
  }

  @Test
  void pacer_fedAnything_neverHandsOutASlotBeyondWhatTheCallerCanWait() {
    Property.check(1000, hostileReadings(), HostileHeadersTest::slotsStayWithinTheCap);
  }

  private static void slotsStayWithinTheCap(List<Reading> readings) {
    Pacer pacer = new Pacer(-1);
    long now = 1_000_000_000_000L;
    for (Reading r : readings) {
      long slot = pacer.reserve(now, now + CAP_NANOS);
      assertThat(slot).isBetween(now, now + CAP_NANOS);
      now = slot;
      pacer.record(
          now,
          r.limit(),
          r.remaining(),
          r.resetIn() == Long.MIN_VALUE ? Pacer.NONE : Nanos.add(now, r.resetIn()),
          r.window());
    }
    long slot = pacer.reserve(now, now + CAP_NANOS);
    assertThat(slot).isBetween(now, now + CAP_NANOS);
  }

  static List<String> hostileRetryAfters() {
    return List.of(
        "-1",
        "-99999999999999",
        "99999999999999999999999999999",
        "18446744073709551616",
        "9223372036.854775807",
        "1e10",
        "NaN",
        "Infinity",
        "",
        "   ",
        "0x7fffffff",
        "1,5",
        "1.5.5",
        "10.000000001",
        "3600",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Sat, 32 Dec 2030 25:61:61 GMT",
        "Wed, 21 Oct 2015 07:28:00 XYZ",
        "\"5\"",
        "5; q=1",
        "x".repeat(10_000),
        "9".repeat(5_000));
  }

  @ParameterizedTest
  @MethodSource("hostileRetryAfters")
  void hostileRetryAfter_neverCrashes_andNeverWaitsPastTheCap(String retryAfter) throws Exception {
    server = TestServer.replying(Reply.of(429).header("Retry-After", retryAfter), Reply.of(200));
    RateLimitedClient client =
        RateLimitedClient.builder(RetryTest.HTTP)
            .sleeper(sleeper)
            .policy(RetryPolicy.builder().maxWait(CAP).build())
            .build();

    try {
      HttpResponse<String> r =
          client.send(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    } catch (GiveUpException e) {
      assertThat(e.reason()).isEqualTo(GiveUpException.Reason.WAIT_TOO_LONG);
    }
    assertThat(sleeper.waits()).allSatisfy(w -> assertThat(w).isBetween(Duration.ZERO, CAP));
  }

  static List<Arguments> hostileQuotaHeaders() {
    return Stream.of(
            new String[] {"X-RateLimit-Limit", "0", "X-RateLimit-Remaining", "0"},
            new String[] {
              "X-RateLimit-Limit", "-5", "X-RateLimit-Remaining", "-5", "X-RateLimit-Reset", "-5"
            },
            new String[] {
              "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "99999999999999999999"
            },
            new String[] {"X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "999999999"},
            new String[] {"X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "1"},
            new String[] {
              "X-RateLimit-Limit",
              "9223372036854775807",
              "X-RateLimit-Remaining",
              "9223372036854775807",
              "X-RateLimit-Reset",
              "0.000000001"
            },
            new String[] {
              "RateLimit", "\"m\";r=0;t=99999999999999999999", "RateLimit-Policy", "\"m\";q=0;w=0"
            },
            new String[] {"RateLimit", "\"unterminated;r=0;t=5, ;;;,,,=", "RateLimit-Policy", "\""},
            new String[] {"RateLimit", ("\"x\";r=1;t=1, ").repeat(2000)},
            new String[] {
              "X-RateLimit-Remaining",
              "0",
              "X-RateLimit-Reset",
              "Fri, 31 Dec 9999 23:59:59 GMT",
              "Date",
              "garbage"
            })
        .map(h -> Arguments.of((Object) h))
        .toList();
  }

  @ParameterizedTest
  @MethodSource("hostileQuotaHeaders")
  void hostileQuotaHeaders_neverCrashAPacedClient_andNeverMakeItWaitPastTheCap(String[] headers)
      throws Exception {
    Reply reply = Reply.of(200);
    for (int i = 0; i < headers.length; i += 2) {
      reply = reply.header(headers[i], headers[i + 1]);
    }
    server = TestServer.replying(reply);
    RateLimitedClient client =
        RateLimitedClient.builder(RetryTest.HTTP)
            .sleeper(sleeper)
            .pacing(Pacing.spread())
            .policy(RetryPolicy.builder().maxWait(CAP).build())
            .build();

    for (int i = 0; i < 5; i++) {
      assertThat(
              client
                  .send(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);
    }
    assertThat(sleeper.waits()).allSatisfy(w -> assertThat(w).isBetween(Duration.ZERO, CAP));
  }

  /** Eight header field values: any text, numbers gone wrong, far dates, broken structure. */
  static Gen<List<String>> fieldValues() {
    Gen<String> any = Gen.strings(Gen.unicodeChars(), 0, 40);
    Gen<String> numeric = Gen.strings(Gen.chars("0123456789.-+eE ,;"), 0, 40);
    Gen<String> dates = Gen.ints(0, 99999).map(y -> "Fri, 31 Dec " + y + " 23:59:59 GMT");
    Gen<String> structured = Gen.strings(Gen.chars("\"\\;,=rtqw0123456789 -.m"), 0, 80);
    Gen<String> huge = Gen.longs().map(String::valueOf).map(s -> s + s.replace("-", ""));
    return Gen.oneOf(any, numeric, dates, structured, huge).list(8, 8);
  }

  /** What the pacer is told: a limit, what remains, when it resets (from now), a window. */
  record Reading(long limit, long remaining, long resetIn, long window) {}

  /** Up to 20 readings of any values, extremes and small numbers alike. */
  static Gen<List<Reading>> hostileReadings() {
    Gen<Long> value =
        Gen.oneOf(
            Gen.longs(),
            Gen.of(-1L, 0L, 1L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1),
            Gen.longs(0, 100));
    Gen<Reading> reading =
        s -> new Reading(value.next(s), value.next(s), value.next(s), value.next(s));
    return reading.list(0, 20);
  }
}
