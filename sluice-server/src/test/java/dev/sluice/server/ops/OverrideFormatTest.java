package dev.sluice.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.overrides.FileOverrideStorage;
import dev.sluice.overrides.StoredOverride;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code overrides.json} and the shared map's entries, once written with Vert.x's JSON, are written
 * and read byte for byte alike by sluice-overrides: a gateway upgraded in place keeps its
 * overrides, and old and new instances sharing one Redis read each other's.
 */
class OverrideFormatTest {
  @TempDir Path dir;

  static final long FP = 0x0123456789abcdefL;

  static StoredOverride override() {
    Map<String, Object> upload = new LinkedHashMap<>();
    upload.put("limit", "10/second");
    upload.put("algorithm", "token-bucket");
    upload.put("burst", 20);
    Map<String, Object> limits = new LinkedHashMap<>();
    limits.put("search", List.of("500/minute", "5000/hour"));
    limits.put("upload", upload);
    return new StoredOverride(
        FP,
        "pro",
        limits,
        Instant.parse("2031-01-01T00:00:00Z"),
        Instant.parse("2030-01-01T00:00:00.123Z"));
  }

  /** The JSON form as the gateway wrote it with Vert.x. */
  static JsonObject asVertxWroteIt() {
    return new JsonObject()
        .put("tier", "pro")
        .put(
            "limits",
            new JsonObject()
                .put("search", new JsonArray().add("500/minute").add("5000/hour"))
                .put(
                    "upload",
                    new JsonObject()
                        .put("limit", "10/second")
                        .put("algorithm", "token-bucket")
                        .put("burst", 20)))
        .put("expires", "2031-01-01T00:00:00Z")
        .put("updated", "2030-01-01T00:00:00.123Z");
  }

  @Test
  void theOverridesFile_isWhatVertxWrote() throws Exception {
    Path file = dir.resolve("overrides.json");
    StoredOverride o = override();
    new FileOverrideStorage(file).put(o);

    String vertx =
        new JsonObject()
                .put("version", 1)
                .put("overrides", new JsonObject().put("0123456789abcdef", asVertxWroteIt()))
                .encodePrettily()
            + "\n";
    assertThat(Files.readString(file)).isEqualTo(vertx);
    assertThat(new FileOverrideStorage(file).loadAll()).containsEntry(FP, o);
  }

  @Test
  void aSharedMapEntry_isWhatVertxWrote_andReadsBack() {
    StoredOverride o = override();
    String vertx = asVertxWroteIt().encode();

    assertThat(o.toJsonText()).isEqualTo(vertx);
    assertThat(StoredOverride.fromJsonText(FP, vertx)).isEqualTo(o);
  }
}
