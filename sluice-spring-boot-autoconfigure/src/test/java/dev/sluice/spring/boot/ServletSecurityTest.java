package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Spring Security in front (HTTP Basic), Sluice after it counting per {@code principal}: each user
 * has a budget of their own, whatever address they come from.
 */
@SpringBootTest(
    classes = {DemoApp.class, ManualClock.class, ServletSecurityTest.Secured.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=servlet",
      "sluice.policy=classpath:policies/principal.yaml",
      "spring.autoconfigure.exclude=" // Security's auto-configuration, off for the other tests
    })
class ServletSecurityTest {

  @TestConfiguration(proxyBeanMethods = false)
  static class Secured {
    @Bean
    SecurityFilterChain chain(HttpSecurity http) throws Exception {
      return http.authorizeHttpRequests(a -> a.anyRequest().authenticated())
          .httpBasic(Customizer.withDefaults())
          .csrf(c -> c.disable())
          .build();
    }

    @Bean
    InMemoryUserDetailsManager users() {
      return new InMemoryUserDetailsManager(
          User.withUsername("alice").password("{noop}a-secret").roles("USER").build(),
          User.withUsername("bob").password("{noop}b-secret").roles("USER").build());
    }
  }

  static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Value("${local.server.port}")
  int port;

  @Test
  void eachAuthenticatedUser_isCountedApart() {
    Http http = new Http(port);
    String alice = basic("alice", "a-secret");
    for (int i = 1; i <= 2; i++) {
      HttpResponse<String> r = http.get("/me", "Authorization", alice);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("{\"user\":\"alice\"}");
      assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(2 - i));
    }

    assertThat(http.get("/me", "Authorization", alice).statusCode()).isEqualTo(429);
    HttpResponse<String> bob = http.get("/me", "Authorization", basic("bob", "b-secret"));
    assertThat(bob.statusCode()).isEqualTo(200);
    assertThat(bob.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
  }

  @Test
  void aRequestSecurityRefuses_neverReachesSluice() {
    HttpResponse<String> r = new Http(port).get("/me", "Authorization", basic("eve", "guess"));

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("X-RateLimit-Limit")).isEmpty();
  }
}
