package dev.sluice.core.store;

import dev.sluice.core.ManualTicker;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What both store suites ({@link StoreContract}, {@link StoreConcurrencyContract}) stand on: a new
 * store per test on a manual clock, and the hooks a store's suite implements.
 */
@SuppressWarnings("exports") // JUnit annotations on a test API: not the module's API
public abstract class StoreFixture {
  /** Half past a minute, an hour and a day: no window of a minute or longer turns over soon. */
  protected static final Instant START = Instant.parse("2030-06-01T12:00:30Z");

  protected static final Duration MINUTE = Duration.ofMinutes(1);
  protected static final Duration HOUR = Duration.ofHours(1);
  protected static final Duration DAY = Duration.ofDays(1);

  protected ManualTicker ticker;
  protected Store store;

  /** For store suites to extend. */
  protected StoreFixture() {}

  /** A new, empty store reading {@code ticker} (or its own clock, moved by {@link #advance}). */
  protected abstract Store newStore(ManualTicker ticker);

  /** Moves the store's clock forward by {@code d}. */
  protected void advance(Duration d) {
    ticker.advance(d);
  }

  @BeforeEach
  public void createStore() {
    ticker = new ManualTicker(START);
    store = newStore(ticker);
  }

  @AfterEach
  public void closeStore() {
    store.close();
  }
}
