package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.overrides.FileOverrideStorage;
import dev.sluice.overrides.StateDir;
import dev.sluice.overrides.StoredOverride;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A state directory whose identity key no longer matches its overrides (the key file deleted, or
 * replaced by another) would make every override apply to nobody while still listed as active:
 * {@code serve} refuses to start, saying what happened and how to recover.
 */
class StateDirKeyTest {
  @TempDir Path dir;

  Path policy;
  Path state;

  @BeforeEach
  void anOverrideKeptUnderTheKey() throws Exception {
    policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "global: {key: header:X-Api-Key, limits: 5/minute}\n");
    state = dir.resolve("state");
    StateDir sd = StateDir.open(state);
    byte[] key = sd.identityKey();
    new FileOverrideStorage(sd.overridesFile(), key)
        .put(
            new StoredOverride(
                42,
                null,
                Map.of("global", "50/minute"),
                null,
                Instant.parse("2030-01-01T00:00:00Z")));
  }

  /** Runs {@code serve} on the state directory; its exit code, and what it wrote to stderr. */
  String[] serve() {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    int code =
        cl.execute(
            "serve",
            "--config",
            policy.toString(),
            "--state-dir",
            state.toString(),
            "--admin-token",
            "test-admin-token-0123456789",
            "--port",
            "0",
            "--admin-port",
            "0");
    return new String[] {Integer.toString(code), err.toString()};
  }

  @Test
  void aDeletedIdentityKey_withOverridesKept_refusesToStart() throws Exception {
    Files.delete(state.resolve("identity.key"));

    String[] r = serve();

    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1])
        .startsWith("sluice serve: --state-dir: " + state.resolve("identity.key") + " is missing")
        .contains("holds 1 override(s) made under it")
        .contains("Restore identity.key from a backup")
        .contains("move overrides.json away");
    assertThat(state.resolve("identity.key")).as("no new key was made").doesNotExist();
  }

  @Test
  void aReplacedIdentityKey_withOverridesKept_refusesToStart() throws Exception {
    Files.write(state.resolve("identity.key"), "another-16-bytes".getBytes());

    String[] r = serve();

    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1])
        .startsWith("sluice serve: --state-dir: " + state.resolve("overrides.json"))
        .contains("made under another identity key")
        .contains("identity.key was replaced or regenerated")
        .contains("Restore the identity.key they were made under");
  }
}
