package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.security.Principal;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;

/**
 * Spring Security in a WebFlux app, Sluice after it counting per {@code principal} as a {@link
 * SluiceKeyResolver} names the user (here: prefixed).
 */
@SpringBootTest(
    classes = {DemoApp.class, ManualClock.class, ReactiveSecurityTest.Secured.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=reactive",
      "sluice.policy=classpath:policies/principal.yaml",
      "spring.autoconfigure.exclude=" // Security's auto-configuration, off for the other tests
    })
class ReactiveSecurityTest {

  @TestConfiguration(proxyBeanMethods = false)
  static class Secured {
    @Bean
    SecurityWebFilterChain chain(ServerHttpSecurity http) {
      return http.authorizeExchange(a -> a.anyExchange().authenticated())
          .httpBasic(Customizer.withDefaults())
          .csrf(c -> c.disable())
          .build();
    }

    @Bean
    MapReactiveUserDetailsService users() {
      return new MapReactiveUserDetailsService(
          User.withUsername("alice").password("{noop}a-secret").roles("USER").build(),
          User.withUsername("bob").password("{noop}b-secret").roles("USER").build());
    }

    @Bean
    SluiceKeyResolver prefixed() {
      return (Principal p) -> "user:" + p.getName();
    }
  }

  @Value("${local.server.port}")
  int port;

  @Test
  void eachAuthenticatedUser_isCountedApart() {
    Http http = new Http(port);
    String alice = ServletSecurityTest.basic("alice", "a-secret");
    for (int i = 1; i <= 2; i++) {
      HttpResponse<String> r = http.get("/me", "Authorization", alice);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue(Integer.toString(2 - i));
    }

    assertThat(http.get("/me", "Authorization", alice).statusCode()).isEqualTo(429);
    assertThat(
            http.get("/me", "Authorization", ServletSecurityTest.basic("bob", "b-secret"))
                .statusCode())
        .isEqualTo(200);
  }
}
