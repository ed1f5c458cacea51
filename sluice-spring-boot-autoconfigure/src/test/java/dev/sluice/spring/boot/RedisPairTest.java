package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.redis.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of an app, one on Tomcat and one on Netty, share one Redis: an API key's limit is
 * one limit, counted exactly across both, with Lettuce and Netty as the app's Boot line brings
 * them.
 */
class RedisPairTest {
  static RedisServer redis;
  static final List<ConfigurableApplicationContext> apps = new ArrayList<>();
  static Http servlet;
  static Http reactive;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    servlet = new Http(port(start(WebApplicationType.SERVLET)));
    reactive = new Http(port(start(WebApplicationType.REACTIVE)));
  }

  private static ConfigurableApplicationContext start(WebApplicationType type) {
    ConfigurableApplicationContext app =
        new SpringApplicationBuilder(DemoApp.class)
            .web(type)
            .properties(
                "server.port=0",
                "sluice.policy=classpath:policies/shared.yaml",
                "sluice.store=" + redis.uri() + "?timeout=5s", // a loaded CI machine is slow
                "sluice.identity-secret=000102030405060708090a0b0c0d0e0f",
                "management.endpoints.web.exposure.include=sluice")
            .run();
    apps.add(app);
    return app;
  }

  private static int port(ConfigurableApplicationContext app) {
    return Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
  }

  @AfterAll
  static void stop() {
    apps.forEach(ConfigurableApplicationContext::close);
    if (redis != null) {
      redis.close();
    }
  }

  @Test
  void anApiKeysLimit_isCountedOnceAcrossBothInstances() {
    String key = UUID.randomUUID().toString();
    List<Integer> statuses = new ArrayList<>();
    List<String> remaining = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      Http to = i % 2 == 0 ? servlet : reactive;
      var r = to.get("/assets", "X-Api-Key", key);
      statuses.add(r.statusCode());
      remaining.add(r.headers().firstValue("X-RateLimit-Remaining").orElse("-"));
    }

    assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429, 429);
    assertThat(remaining).containsExactly("4", "3", "2", "1", "0", "0", "0");
  }

  @Test
  void anOverrideSetOnOneInstance_appliesOnTheOther() {
    String key = UUID.randomUUID().toString();
    assertThat(limitSeenBy(servlet, key)).isEqualTo("5");

    var set =
        reactive.post("/actuator/sluice/overrides/" + key, "{\"limits\": \"{assets: 8/minute}\"}");

    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    assertThat(limitSeenBy(reactive, key)).isEqualTo("8");
    // Redis tells the other instance of the change; it applies once its notice is read.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    String seen = limitSeenBy(servlet, key);
    while (!seen.equals("8") && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      seen = limitSeenBy(servlet, key);
    }
    assertThat(seen).as("the other instance applies the change Redis told it of").isEqualTo("8");
    assertThat(servlet.delete("/actuator/sluice/overrides/" + key).statusCode()).isEqualTo(200);
  }

  private static String limitSeenBy(Http http, String key) {
    return http.get("/assets", "X-Api-Key", key)
        .headers()
        .firstValue("X-RateLimit-Limit")
        .orElse("-");
  }

  @Test
  void theStoresHealth_isReadThroughRedis() throws Exception {
    SluiceEngine engine = apps.get(0).getBean(SluiceEngine.class);

    assertThat(StoreProbe.check(engine)).containsEntry("store", "RedisStore");
  }
}
