package dev.sluice.spring.boot;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** The store's health, as Spring Boot 4 reports health ({@code /actuator/health}'s "sluice"). */
final class Boot4Health extends AbstractHealthIndicator {
  private final SluiceEngine engine;

  Boot4Health(SluiceEngine engine) {
    super("the Sluice rate-limit store did not answer");
    this.engine = engine;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws Exception {
    builder.up().withDetails(StoreProbe.check(engine));
  }
}
