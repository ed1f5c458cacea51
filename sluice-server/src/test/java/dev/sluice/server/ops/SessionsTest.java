package dev.sluice.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.ManualTicker;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The session table: expiry on the clock, removal, and its bound. */
class SessionsTest {
  final ManualTicker clock = new ManualTicker(Instant.parse("2030-01-01T00:00:00Z"));

  @Test
  void aSession_livesItsTtl_thenIsGone() {
    Sessions s = new Sessions(clock, Duration.ofHours(12), 10);
    String id = s.create(Sessions.Kind.VIEWER);

    clock.advance(Duration.ofHours(12).minusNanos(1_000));
    assertThat(s.find(id).kind()).isEqualTo(Sessions.Kind.VIEWER);
    clock.advance(Duration.ofNanos(1_000));

    assertThat(s.find(id)).isNull();
    assertThat(s.size()).as("an expired session found is dropped").isZero();
    assertThat(s.ttlSeconds()).isEqualTo(43_200);
  }

  @Test
  void ids_areRandomAndOpaque_andUnknownOnesFindNothing() {
    Sessions s = new Sessions(clock, Duration.ofHours(1), 10);
    String a = s.create(Sessions.Kind.ADMIN);
    String b = s.create(Sessions.Kind.ADMIN);

    assertThat(a).isNotEqualTo(b).hasSize(43).matches("[A-Za-z0-9_-]+");
    assertThat(s.find(a.substring(1) + "x")).isNull();
    assertThat(s.find("")).isNull();
    assertThat(s.find(null)).isNull();
    assertThat(s.find("x".repeat(10_000))).isNull();
  }

  @Test
  void removing_endsTheSession() {
    Sessions s = new Sessions(clock, Duration.ofHours(1), 10);
    String id = s.create(Sessions.Kind.ADMIN);

    s.remove(id);

    assertThat(s.find(id)).isNull();
  }

  @Test
  void aFullTable_dropsTheExpiredFirst_thenTheOldest() {
    Sessions s = new Sessions(clock, Duration.ofMinutes(10), 3);
    String first = s.create(Sessions.Kind.ADMIN);
    clock.advance(Duration.ofMinutes(6));
    String second = s.create(Sessions.Kind.ADMIN);
    String third = s.create(Sessions.Kind.ADMIN);
    clock.advance(Duration.ofMinutes(5)); // first has expired, the others have not

    String fourth = s.create(Sessions.Kind.ADMIN);
    assertThat(s.size()).isEqualTo(3);
    assertThat(s.find(first)).isNull();
    String fifth = s.create(Sessions.Kind.VIEWER);

    assertThat(s.size()).isEqualTo(3);
    assertThat(s.find(second)).as("the oldest live one made room").isNull();
    assertThat(s.find(third)).isNotNull();
    assertThat(s.find(fourth)).isNotNull();
    assertThat(s.find(fifth).kind()).isEqualTo(Sessions.Kind.VIEWER);
  }
}
