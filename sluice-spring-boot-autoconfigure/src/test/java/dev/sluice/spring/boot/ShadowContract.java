package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * sluice.shadow=true: every request is decided and counted in the app's MeterRegistry, none is
 * refused, and no answer carries rate-limit headers.
 */
abstract class ShadowContract {
  @Value("${local.server.port}")
  int port;

  @Autowired MeterRegistry registry;

  double count(String rule, String outcome) {
    var c = registry.find("sluice.decisions").tag("rule", rule).tag("outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void overTheLimit_theAppStillAnswers_andTheDenialsAreCounted() {
    Http http = new Http(port);
    String email = UUID.randomUUID() + "@example.com";
    double deniedBefore = count("magic-link", "denied");
    double allowedBefore = count("magic-link", "allowed");

    for (int i = 1; i <= 5; i++) {
      HttpResponse<String> r = http.post("/auth/magic-link", "{\"email\": \"" + email + "\"}");
      assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"sent_to\":\"" + email + "\"}");
      assertThat(r.headers().firstValue("X-RateLimit-Limit")).isEmpty();
    }

    assertThat(count("magic-link", "allowed") - allowedBefore).isEqualTo(3);
    assertThat(count("magic-link", "denied") - deniedBefore).isEqualTo(2);
  }

  @Test
  void aRequestThePolicyCannotCount_goesThroughToo() {
    HttpResponse<String> r = new Http(port).post("/auth/magic-link", "{\"name\": \"x\"}");

    assertThat(r.statusCode()).isEqualTo(200);
  }
}
