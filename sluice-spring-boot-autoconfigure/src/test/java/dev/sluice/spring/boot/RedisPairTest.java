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
                "sluice.store=" + redis.uri(),
                "sluice.identity-secret=000102030405060708090a0b0c0d0e0f")
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
  void theStoresHealth_isReadThroughRedis() throws Exception {
    SluiceEngine engine = apps.get(0).getBean(SluiceEngine.class);

    assertThat(StoreProbe.check(engine)).containsEntry("store", "RedisStore");
  }
}
