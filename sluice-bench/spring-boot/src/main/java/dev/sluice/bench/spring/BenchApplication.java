package dev.sluice.bench.spring;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** One small JSON endpoint: what a limiter in front of it costs is what run.sh measures. */
@SpringBootApplication
@EnableCaching
@RestController
public class BenchApplication {
  private static final Map<String, Object> ASSETS = Map.of("assets", java.util.List.of(42));

  public static void main(String[] args) {
    SpringApplication.run(BenchApplication.class, args);
  }

  @GetMapping("/assets")
  public Map<String, Object> assets() {
    return ASSETS;
  }
}
