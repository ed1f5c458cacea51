package dev.sluice.spring.boot;

import dev.sluice.core.ManualTicker;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import java.time.Instant;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/** The app's store on a clock the test moves: no test sleeps for a window to pass. */
@TestConfiguration(proxyBeanMethods = false)
public class ManualClock {
  /** A Monday, 15 s into the minute. */
  static final Instant START = Instant.parse("2025-03-03T09:00:15Z");

  @Bean
  ManualTicker sluiceTestClock() {
    return new ManualTicker(START);
  }

  @Bean
  Store sluiceStore(ManualTicker clock) {
    return InMemoryStore.builder().ticker(clock).build();
  }
}
