package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * With {@code sluice.state-dir}, an app on the in-memory store keeps its overrides, and the
 * identity key they are fingerprinted under, across a restart; the raw identity is never written.
 */
class OverridesRestartTest {
  @TempDir Path state;

  ConfigurableApplicationContext start(WebApplicationType type) {
    return new SpringApplicationBuilder(DemoApp.class)
        .web(type)
        .properties(
            "server.port=0",
            "sluice.policy=classpath:policies/overrides.yaml",
            "sluice.state-dir=" + state,
            "management.endpoints.web.exposure.include=sluice")
        .run();
  }

  static Http http(ConfigurableApplicationContext app) {
    return new Http(Integer.parseInt(app.getEnvironment().getProperty("local.server.port")));
  }

  @Test
  void anOverride_survivesARestart_keptAsAFingerprintOnly() throws Exception {
    String key = "key_live_" + UUID.randomUUID();
    try (ConfigurableApplicationContext app = start(WebApplicationType.SERVLET)) {
      HttpResponse<String> set =
          http(app)
              .post(
                  "/actuator/sluice/overrides/" + key,
                  "{\"limits\": \"{\\\"assets\\\": \\\"7/minute\\\"}\"}");
      assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    }

    assertThat(state.resolve("identity.key")).exists();
    assertThat(Files.readString(state.resolve("overrides.json")))
        .contains("7/minute")
        .doesNotContain(key);

    try (ConfigurableApplicationContext app = start(WebApplicationType.REACTIVE)) {
      HttpResponse<String> r = http(app).get("/assets", "X-Api-Key", key);
      assertThat(r.headers().firstValue("X-RateLimit-Limit"))
          .as("the override applies after the restart, on the same fingerprint")
          .hasValue("7");
      assertThat(http(app).get("/actuator/sluice/overrides/" + key).body())
          .contains("\"active\":true");
    }
  }
}
