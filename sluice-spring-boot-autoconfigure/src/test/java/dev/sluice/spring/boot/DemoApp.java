package dev.sluice.spring.boot;

import java.security.Principal;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The app the tests run, on Tomcat or on Netty (spring.main.web-application-type): a few IPTO
 * endpoints whose answers show what the app received, so a test sees a body reach it whole.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(DemoApp.Api.class)
public class DemoApp {

  /** Annotated controllers serve Spring MVC and WebFlux alike. */
  @RestController
  public static class Api {
    @GetMapping("/assets")
    public Map<String, Object> assets() {
      return Map.of("assets", List.of());
    }

    @PostMapping("/auth/magic-link")
    public Map<String, Object> magicLink(@RequestBody Map<String, Object> body) {
      return Map.of("sent_to", String.valueOf(body.get("email")));
    }

    @PostMapping("/auth/verify")
    public Map<String, Object> verify(@RequestBody Map<String, Object> body) {
      return Map.of("verified", String.valueOf(body.get("token")));
    }

    @GetMapping("/v1/blocks/{id}")
    public Map<String, Object> block(@PathVariable("id") String id) {
      return Map.of("block", id);
    }

    @GetMapping("/me")
    public Map<String, Object> me(Principal principal) {
      return Map.of("user", principal == null ? "anonymous" : principal.getName());
    }
  }
}
