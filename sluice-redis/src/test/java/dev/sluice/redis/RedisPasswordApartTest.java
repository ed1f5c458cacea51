package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.LimitKind;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreSettings;
import dev.sluice.core.store.Stores;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The password given apart from the URI ({@link StoreSettings#password}, {@link
 * RedisStore.Builder#password}), against a real {@code redis-server} that requires one: it is used,
 * for the default user or the URI's ACL user, it is never shown, and a URI that carries a password
 * too is refused rather than one of the two picked silently.
 */
class RedisPasswordApartTest {
  static final String PASSWORD = "s3cret with spaces/@#:%";
  static final String APP_PASSWORD = "app-only-pw";

  static RedisServer secured;

  @BeforeAll
  static void start() {
    secured =
        RedisServer.start(
            "--requirepass",
            PASSWORD,
            // Redis 6's ACL: a user of its own, as a managed Redis hands one out.
            "--user",
            "app",
            "on",
            ">" + APP_PASSWORD,
            "~*",
            "&*",
            "+@all");
  }

  @AfterAll
  static void stop() {
    secured.close();
  }

  private static StoreSettings settings(String password) {
    return StoreSettings.builder().timeout(RedisServer.CONTRACT_TIMEOUT).password(password).build();
  }

  private static void assertCounts(Store store) {
    BucketGroup g =
        store.group(
            "pw-" + RedisStoreTest.freshPrefix(),
            List.of(LimitKind.FIXED.of("daily", 1, Duration.ofDays(1))));
    assertThat(store.charge(new Charge(1).add(g, 7, 1)).admitted()).isTrue();
    assertThat(store.charge(new Charge(1).add(g, 7, 1)).admitted()).as("counted").isFalse();
  }

  @Test
  void passwordFromTheSettings_authenticatesAUriWithoutOne() {
    try (Store store = Stores.open(secured.uri(), settings(PASSWORD))) {
      assertCounts(store);
      assertThat(store.toString()).doesNotContain("s3cret");
    }
  }

  @Test
  void passwordFromTheSettings_isTheAclUsersWhenTheUriNamesOne() {
    String uri = "redis://app:@127.0.0.1:" + secured.port();
    try (Store store = Stores.open(uri, settings(APP_PASSWORD))) {
      assertCounts(store);
    }
    assertThatThrownBy(() -> Stores.open(uri, settings(PASSWORD)).close())
        .as("the default user's password is not app's")
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("WRONGPASS")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void aWrongPasswordFromTheSettings_isRefused_withoutShowingIt() {
    assertThatThrownBy(() -> Stores.open(secured.uri(), settings("not-the-one")).close())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("WRONGPASS")
        .hasMessageNotContaining("not-the-one");
  }

  @Test
  void aUriCarryingAPasswordToo_isRefused_sayingToKeepOne() {
    String uri = "redis://:" + "urlpass" + "@127.0.0.1:" + secured.port();

    assertThatThrownBy(() -> Stores.open(uri, settings(PASSWORD)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redis://:***@127.0.0.1:" + secured.port())
        .hasMessageContaining("give it in one place only")
        .hasMessageNotContaining("urlpass")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void aClusterUriCarryingAPasswordToo_isRefusedBeforeConnecting() {
    assertThatThrownBy(
            () -> Stores.open("redis-cluster://:urlpass@127.0.0.1:1", settings(PASSWORD)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("give it in one place only");
  }

  @Test
  void settings_neverShowThePassword() {
    assertThat(settings(PASSWORD).toString()).contains("password=***").doesNotContain("s3cret");
    assertThatThrownBy(() -> StoreSettings.builder().password(""))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
