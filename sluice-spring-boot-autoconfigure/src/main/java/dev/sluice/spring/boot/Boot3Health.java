package dev.sluice.spring.boot;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/** The store's health, as Spring Boot 3 reports health ({@code /actuator/health}'s "sluice"). */
final class Boot3Health extends AbstractHealthIndicator {
  private final SluiceEngine engine;

  Boot3Health(SluiceEngine engine) {
    super("the Sluice rate-limit store did not answer");
    this.engine = engine;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws Exception {
    builder.up().withDetails(StoreProbe.check(engine));
  }
}
