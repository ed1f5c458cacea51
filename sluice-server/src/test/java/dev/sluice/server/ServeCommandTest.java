package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice serve} refuses what it cannot run with a one-line reason and exit code 2. */
class ServeCommandTest {
  @TempDir Path dir;

  record Run(int exitCode, String out, String err) {}

  /** Runs {@code sluice ARGS --state-dir TEMP}: state stays in the test's directory. */
  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--state-dir";
    all[args.length + 1] = dir.resolve("state").toString();
    return new Run(cl.execute(all), out.toString(), err.toString());
  }

  @Test
  void redisDownAtStartUp_withoutAnIdentitySecret_exits2_sayingWhatToDo() throws IOException {
    Path p = policy("global: {key: ip, limits: [2/hour]}\n");
    try (dev.sluice.redis.RedisServer redis = dev.sluice.redis.RedisServer.start()) {
      redis.kill();

      Run r =
          run(
              "serve",
              "--config",
              p.toString(),
              "--port",
              "0",
              "--admin-port",
              "0",
              "--store",
              redis.uri());

      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err())
          .contains("cannot connect to Redis at " + redis.uri())
          .contains("SLUICE_IDENTITY_SECRET");
    }
  }

  private Path policy(String yaml) throws IOException {
    Path p = dir.resolve("policy.yaml");
    Files.writeString(p, yaml);
    return p;
  }

  @Test
  void invalidPolicy_exits2WithTheLocatedError() throws IOException {
    Path p = policy("global: {limits: 5/minuet}\n");

    Run r = run("serve", "--config", p.toString(), "--port", "0", "--admin-port", "0");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith(p + ":1:").contains("minuet");
  }

  @Test
  void badUpstream_exits2SayingWhatAnUpstreamLooksLike() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r =
        run(
            "serve",
            "--config",
            p.toString(),
            "--upstream",
            "ftp://x",
            "--port",
            "0",
            "--admin-port",
            "0");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "sluice serve: --upstream 'ftp://x' must start with http:// or"
                + " https:// (e.g. http://127.0.0.1:9000)\n");
  }

  @Test
  void upstreamPortOutOfRange_exits2_ratherThanProxyingToAnotherPort() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    for (String port : new String[] {"0", "99999"}) {
      Run r =
          run(
              "serve",
              "--config",
              p.toString(),
              "--upstream",
              "http://127.0.0.1:" + port,
              "--port",
              "0",
              "--admin-port",
              "0");

      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err())
          .isEqualTo(
              "sluice serve: --upstream 'http://127.0.0.1:"
                  + port
                  + "' has port "
                  + port
                  + "; a port is a number from 1 to 65535\n");
    }
  }

  @Test
  void portInUse_exits2NamingThePort() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Run r =
          run(
              "serve",
              "--config",
              p.toString(),
              "--admin-port",
              Integer.toString(taken.getLocalPort()));

      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err())
          .startsWith(
              "sluice serve: cannot listen on 127.0.0.1:"
                  + taken.getLocalPort()
                  + " (the admin port)");
    }
  }

  @Test
  void proxyPortInUse_exits2NamingThePort() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Run r =
          run(
              "serve",
              "--config",
              p.toString(),
              "--upstream",
              "http://127.0.0.1:9",
              "--host",
              "127.0.0.1",
              "--port",
              Integer.toString(taken.getLocalPort()),
              "--admin-port",
              "0");

      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err())
          .startsWith(
              "sluice serve: cannot listen on 127.0.0.1:"
                  + taken.getLocalPort()
                  + " (the gateway's port)");
    }
  }

  @Test
  void aViewerTokenThatIsTheAdminToken_exits2SayingSo() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");
    String token = "same-token-for-both-0123456789";

    Run r =
        run(
            "serve",
            "--config",
            p.toString(),
            "--admin-token",
            token,
            "--viewer-token",
            token,
            "--port",
            "0",
            "--admin-port",
            "0");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "sluice serve: --viewer-token is the admin token: give the viewer a token of its own,"
                + " or it could make changes too\n");
  }

  @Test
  void aShortViewerToken_exits2SayingSo() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r = run("serve", "--config", p.toString(), "--viewer-token", "short");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).startsWith("sluice serve: --viewer-token: a viewer token is at least 16");
  }

  @Test
  void aDashboardSessionOutOfRange_exits2SayingSo() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r = run("serve", "--config", p.toString(), "--dashboard-session", "10s");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("sluice serve: --dashboard-session is from 1m to 30d\n");
  }

  @Test
  void maxBuckets_belowTen_exits2SayingSo() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r = run("serve", "--config", p.toString(), "--max-buckets", "3");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("sluice serve: --max-buckets must be at least 10, got 3\n");
  }

  @Test
  void maxBuckets_notANumber_isAUsageError() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r = run("serve", "--config", p.toString(), "--max-buckets", "lots");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--max-buckets").contains("'lots'");
  }

  @Test
  void aNegativeCeilingOfNewIdentities_exits2SayingSo() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r = run("serve", "--config", p.toString(), "--max-new-identities-per-client", "-1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "sluice serve: --max-new-identities-per-client must be 0 (no ceiling) or more,"
                + " got -1\n");
  }

  @Test
  void tableOptions_withRedis_exit2_forTheyBoundOnlyTheMemoryStore() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r =
        run(
            "serve",
            "--config",
            p.toString(),
            "--store",
            "redis://127.0.0.1:1",
            "--max-buckets",
            "5000000");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "sluice serve: --max-buckets applies to the memory store only; Redis bounds its own"
                + " memory (maxmemory)\n");
  }

  @Test
  void aZeroStoreTimeout_exits2SayingSo() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r = run("serve", "--config", p.toString(), "--store-timeout", "0s");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("sluice serve: --store-timeout must be longer than 0\n");
  }

  @Test
  void help_documentsTheTableOptionsAndTheirDefaults() {
    Run r = run("serve", "--help");

    assertThat(r.out())
        .contains("--max-buckets=N")
        .contains("(default: 1000000,")
        .contains("--max-new-identities-per-client=N")
        .contains("(default: 100; 0: no ceiling)");
  }

  @Test
  void badDuration_isAUsageError() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r = run("serve", "--config", p.toString(), "--drain", "soon");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("'soon' is not a duration (e.g. 30s, 500ms, 2m)");
  }

  @Test
  void redisStoreThatCannotBeUsed_exits2SayingWhy() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r = run("serve", "--config", p.toString(), "--store", "redis://127.0.0.1:1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("sluice serve: --store: cannot connect to Redis at redis://127.0.0.1:1");
  }

  @Test
  void everyDocumentedRedisScheme_isARedisStore_misspeltOnesAreNamed_passwordsNeverShown()
      throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    for (String uri : new String[] {"rediss-cluster://127.0.0.1:1", "REDIS://127.0.0.1:1"}) {
      Run r =
          run(
              "serve",
              "--config",
              p.toString(),
              "--store",
              uri,
              "--port",
              "0",
              "--admin-port",
              "0");

      assertThat(r.exitCode()).as(uri).isEqualTo(2);
      assertThat(r.err())
          .as(uri)
          .startsWith("sluice serve: --store: cannot connect to Redis at " + uri);
    }
    Run typo = run("serve", "--config", p.toString(), "--store", "redis-clsuter://:hunter2@h:1");
    assertThat(typo.exitCode()).isEqualTo(2);
    assertThat(typo.err())
        .contains("unknown scheme 'redis-clsuter'")
        .contains("did you mean redis-cluster?")
        .doesNotContain("hunter2")
        .doesNotContain("Exception");
    Run other = run("serve", "--config", p.toString(), "--store", "mongo://:hunter2@h:1");
    assertThat(other.exitCode()).isEqualTo(2);
    assertThat(other.err())
        .startsWith(
            "sluice serve: --store: unknown scheme 'mongo' in the store URI 'mongo://:***@h:1'")
        .doesNotContain("hunter2");
    Run port = run("serve", "--config", p.toString(), "--store", "redis://127.0.0.1:0");
    assertThat(port.exitCode()).isEqualTo(2);
    assertThat(port.err())
        .isEqualTo(
            "sluice serve: --store: invalid Redis store URI 'redis://127.0.0.1:0':"
                + " port 0 is out of range (1 to 65535)\n");
  }

  @Test
  void redisRefusingThePassword_exits2SayingSo_notToStartRedis() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");
    try (dev.sluice.redis.RedisServer redis =
        dev.sluice.redis.RedisServer.start("--requirepass", "right")) {
      Run r =
          run(
              "serve",
              "--config",
              p.toString(),
              "--port",
              "0",
              "--admin-port",
              "0",
              "--store",
              "redis://:wrong@127.0.0.1:" + redis.port());

      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err())
          .contains("refused the connection: WRONGPASS")
          .doesNotContain("wrong@")
          .doesNotContain("Start Redis first");
    }
  }

  @Test
  void identitySecret_mustBe32HexDigits() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> IdentitySecret.fromEnvironment("abc"))
        .hasMessage("SLUICE_IDENTITY_SECRET must be 32 hex digits (16 bytes), got 3 characters");
    assertThat(IdentitySecret.fromEnvironment("00112233445566778899aabbccddeeff")).hasSize(16);
  }

  @Test
  void unknownStore_exits2ListingTheStores() throws IOException {
    Path p = policy("global: {key: ip, limits: 5/minute}\n");

    Run r = run("serve", "--config", p.toString(), "--store", "mongo://x");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "sluice serve: --store: unknown scheme 'mongo' in the store URI 'mongo://x'; the"
                + " schemes known are memory, redis, redis-cluster, redis-sentinel, rediss,"
                + " rediss-cluster, rediss-sentinel (a store of another kind is a jar of its own on"
                + " the class path)\n");
  }
}
