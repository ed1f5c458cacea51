package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Redis stops answering under a WebFlux app whose policy fails closed: requests get Sluice's 503
 * (not a hung event loop), the health contributor says DOWN, and both recover with Redis.
 */
class RedisDownTest {
  static RedisServer redis;
  static ConfigurableApplicationContext app;
  static Http http;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    app =
        new SpringApplicationBuilder(DemoApp.class)
            .web(WebApplicationType.REACTIVE)
            .properties(
                "server.port=0",
                "sluice.policy=classpath:policies/shared-closed.yaml",
                "sluice.store=" + redis.uri(),
                "sluice.identity-secret=000102030405060708090a0b0c0d0e0f",
                "management.endpoints.web.exposure.include=health",
                "management.endpoint.health.show-details=always")
            .run();
    http = new Http(Integer.parseInt(app.getEnvironment().getProperty("local.server.port")));
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void aFrozenRedis_isA503AndDownHealth_thenBothRecover() {
    assertThat(app.getBean(SluiceEngine.class).policy().onStoreFailure().label())
        .isEqualTo("closed");
    assertThat(http.get("/assets", "X-Api-Key", "k1").headers().firstValue("X-RateLimit-Limit"))
        .hasValue("5");

    redis.pause();
    try {
      HttpResponse<String> refused = http.get("/assets", "X-Api-Key", "k1");

      assertThat(refused.statusCode())
          .as(refused.headers().map() + " " + refused.body())
          .isEqualTo(503);
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(refused.body())
          .startsWith("{\"error\":{\"code\":\"RATE_LIMIT_UNAVAILABLE\",\"message\":");
      HttpResponse<String> health = http.get("/actuator/health/sluice");
      assertThat(health.statusCode()).as(health.body()).isEqualTo(503);
      assertThat(health.body()).contains("\"status\":\"DOWN\"");
    } finally {
      redis.resume();
    }

    assertThat(http.get("/assets", "X-Api-Key", "k1").statusCode()).isEqualTo(200);
    assertThat(http.get("/actuator/health/sluice").body()).contains("\"status\":\"UP\"");
  }
}
