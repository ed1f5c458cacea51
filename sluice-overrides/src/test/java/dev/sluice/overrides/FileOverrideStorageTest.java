package dev.sluice.overrides;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overrides file: what is put is read back by a new instance; nothing half-written stays. */
class FileOverrideStorageTest {
  @TempDir Path dir;

  static StoredOverride override(long fp, String tier) {
    return new StoredOverride(
        fp,
        tier,
        Map.of("search", List.of("500/minute")),
        Instant.parse("2031-01-01T00:00:00Z"),
        Instant.parse("2030-01-01T00:00:00Z"));
  }

  @Test
  void putAndDelete_areReadBackByANewInstance() throws Exception {
    Path file = dir.resolve("overrides.json");
    FileOverrideStorage s = new FileOverrideStorage(file);
    assertThat(s.loadAll()).isEmpty();

    s.put(override(0xfedcba9876543210L, "pro"));
    s.put(override(42, null));
    s.put(override(42, "partner"));
    s.delete(7); // none: nothing happens

    FileOverrideStorage again = new FileOverrideStorage(file);
    assertThat(again.loadAll()).containsOnlyKeys(0xfedcba9876543210L, 42L);
    assertThat(again.loadAll().get(42L)).isEqualTo(override(42, "partner"));
    assertThat(Files.readString(file))
        .contains("\"fedcba9876543210\"")
        .contains("\"000000000000002a\"");

    again.delete(42);
    assertThat(new FileOverrideStorage(file).loadAll()).containsOnlyKeys(0xfedcba9876543210L);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("overrides.json");
    }
  }

  @Test
  void aFileThatIsNotOverrides_isRefusedSayingSo() throws Exception {
    Path file = dir.resolve("overrides.json");
    Files.writeString(file, "{\"overrides\": {\"xyz\": {}}}");

    assertThatThrownBy(() -> new FileOverrideStorage(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not hold overrides")
        .hasMessageContaining("16 hex digits");
  }

  /**
   * A hand-edited file with a null where an object belongs: it once failed with a
   * NullPointerException, which {@code sluice serve} does not expect, so it died with a stack trace
   * instead of exiting 2 with the file's name and what to do.
   */
  @Test
  void nullsWhereObjectsBelong_areRefusedSayingSo() throws Exception {
    Path file = dir.resolve("overrides.json");
    for (String text :
        new String[] {
          "{\"overrides\": null}", "{\"version\": 1, \"overrides\": {\"0123456789abcdef\": null}}"
        }) {
      Files.writeString(file, text);

      assertThatThrownBy(() -> new FileOverrideStorage(file))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("does not hold overrides")
          .hasMessageContaining("null");
    }
    Files.writeString(file, "{\"version\": 1}");
    assertThat(new FileOverrideStorage(file).loadAll()).as("no overrides: none").isEmpty();
  }

  @Test
  void aFailedWrite_leavesTheContentAsItWas() throws Exception {
    Path sub = Files.createDirectory(dir.resolve("sub"));
    Path file = sub.resolve("overrides.json");
    FileOverrideStorage s = new FileOverrideStorage(file);
    s.put(override(1, "pro"));
    Files.delete(file);
    Files.delete(sub); // the directory is gone: the next write cannot happen

    assertThatThrownBy(() -> s.put(override(2, "pro")))
        .isInstanceOf(java.io.UncheckedIOException.class);
    assertThat(s.loadAll()).containsOnlyKeys(1L);
  }
}
