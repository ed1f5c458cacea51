package dev.sluice.example;

import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The IPTO API's endpoints, as stubs: Sluice (sluice-spring-boot-starter, with {@code
 * sluice.policy=classpath:ipto.yaml}) enforces examples/ipto.yaml in front of them. There is no
 * rate-limiting code here: that is the point.
 */
@SpringBootApplication
@RestController
public class IptoApplication {

  public static void main(String[] args) {
    SpringApplication.run(IptoApplication.class, args);
  }

  @PostMapping("/auth/magic-link")
  public Map<String, Object> magicLink(@RequestBody Map<String, Object> body) {
    return Map.of("sent_to", String.valueOf(body.get("email")));
  }

  @PostMapping("/auth/verify")
  public Map<String, Object> verify(@RequestBody Map<String, Object> body) {
    return Map.of("access_token", "demo-token");
  }

  @PostMapping("/auth/refresh")
  public Map<String, Object> refresh(@RequestBody Map<String, Object> body) {
    return Map.of("access_token", "demo-token");
  }

  @GetMapping("/assets")
  public Map<String, Object> assets() {
    return Map.of("assets", List.of(Map.of("id", 42, "name", "demo")));
  }

  @PostMapping("/assets")
  public Map<String, Object> createAsset(@RequestBody Map<String, Object> body) {
    return Map.of("id", 43);
  }

  @GetMapping("/balance")
  public Map<String, Object> balance() {
    return Map.of("balance", 0);
  }

  @GetMapping("/wallets")
  public Map<String, Object> wallets() {
    return Map.of("wallets", List.of());
  }

  @PostMapping("/wallets/{id}/verify")
  public Map<String, Object> verifyWallet(@PathVariable("id") String id) {
    return Map.of("wallet", id, "verified", true);
  }
}
