package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.store.SharedSecret;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Instances on one Redis never hash identities with different secrets for good: after Redis lost
 * the shared secret (a restart without persistence, FLUSHALL), whatever secret is stored first wins
 * and every instance adopts it; a secret an instance brings itself and cannot adopt is reported as
 * a conflict, never used silently.
 */
class SharedSecretTest {
  RedisServer redis;
  RedisStore a;
  RedisStore b;

  @BeforeEach
  void start() {
    redis = RedisServer.start();
    a = RedisStore.connect(redis.uri());
    b = RedisStore.connect(redis.uri());
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
    redis.close();
  }

  void flushAll() {
    RedisStoreTest.withRedis(redis.uri(), r -> r.flushall());
  }

  static byte[] secret(String hex) {
    return HexFormat.of().parseHex(hex);
  }

  @Test
  void instancesWithoutASecretOfTheirOwn_takeTheFirstOnesSecret() {
    SharedSecret first = a.shared().orElseThrow().identitySecret("identity-secret", null);
    SharedSecret second = b.shared().orElseThrow().identitySecret("identity-secret", null);

    assertThat(first.check()).isEqualTo(SharedSecret.Check.AGREES);
    assertThat(second.check()).isEqualTo(SharedSecret.Check.AGREES);
    assertThat(second.secret()).isEqualTo(first.secret());
  }

  @Test
  void afterAFlush_anInstanceStartedFirst_isFollowedByTheRunningOne() {
    SharedSecret running = a.shared().orElseThrow().identitySecret("identity-secret", null);
    running.check();
    byte[] before = running.secret();
    flushAll();

    SharedSecret restarted = b.shared().orElseThrow().identitySecret("identity-secret", null);
    restarted.check(); // stores a new secret: Redis had none

    assertThat(restarted.secret()).isNotEqualTo(before);
    assertThat(running.check()).isEqualTo(SharedSecret.Check.ADOPTED);
    assertThat(running.secret()).isEqualTo(restarted.secret());
    assertThat(running.check()).as("and then agrees").isEqualTo(SharedSecret.Check.AGREES);
  }

  @Test
  void afterAFlush_theRunningInstanceCheckingFirst_republishesItsSecret() {
    SharedSecret running = a.shared().orElseThrow().identitySecret("identity-secret", null);
    running.check();
    byte[] before = running.secret();
    flushAll();

    assertThat(running.check()).isEqualTo(SharedSecret.Check.AGREES);
    SharedSecret restarted = b.shared().orElseThrow().identitySecret("identity-secret", null);
    restarted.check();

    assertThat(restarted.secret()).isEqualTo(before);
    assertThat(running.secret()).isEqualTo(before);
  }

  @Test
  void ownSecretsThatDiffer_conflict_andSayHow() {
    SharedSecret one =
        a.shared()
            .orElseThrow()
            .identitySecret("identity-secret", secret("00112233445566778899aabbccddeeff"));
    SharedSecret other =
        b.shared()
            .orElseThrow()
            .identitySecret("identity-secret", secret("ffeeddccbbaa99887766554433221100"));

    assertThat(one.check()).isEqualTo(SharedSecret.Check.AGREES);
    assertThat(other.check()).isEqualTo(SharedSecret.Check.CONFLICT);
    assertThat(other.problem())
        .contains("is not the one the other instances on this Redis use")
        .contains("identity-secret-fingerprint");
    assertThat(other.secret())
        .as("a secret of its own is never replaced")
        .isEqualTo(secret("ffeeddccbbaa99887766554433221100"));
    flushAll();
    assertThat(one.check()).as("re-published after a flush").isEqualTo(SharedSecret.Check.AGREES);
    assertThat(other.check()).isEqualTo(SharedSecret.Check.CONFLICT);
  }

  @Test
  void anOwnSecretNextToASharedOne_conflictsBothWays() {
    SharedSecret shared = a.shared().orElseThrow().identitySecret("identity-secret", null);
    shared.check();
    SharedSecret own =
        b.shared()
            .orElseThrow()
            .identitySecret("identity-secret", secret("00112233445566778899aabbccddeeff"));

    assertThat(own.check()).isEqualTo(SharedSecret.Check.CONFLICT);
    assertThat(own.problem()).contains("Redis holds a shared identity secret");
    flushAll();
    assertThat(own.check()).isEqualTo(SharedSecret.Check.AGREES);
    assertThat(shared.check()).isEqualTo(SharedSecret.Check.CONFLICT);
    assertThat(shared.problem()).contains("give it the same SLUICE_IDENTITY_SECRET");
  }
}
