package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The phases of a stop, in order: withdraw (readiness fails), the grace, the drain, the close. The
 * grace is ended by asking again rather than by a clock, so nothing here waits for time to pass.
 */
class ShutdownSequenceTest {
  final List<String> steps = new CopyOnWriteArrayList<>();
  final List<String> logged = new CopyOnWriteArrayList<>();
  final CountDownLatch withdrawn = new CountDownLatch(1);
  final CountDownLatch toldOfTheGrace = new CountDownLatch(1);

  private ShutdownSequence sequence(Duration grace) {
    return new ShutdownSequence(
        () -> {
          steps.add("withdraw");
          withdrawn.countDown();
        },
        () -> steps.add("drain"),
        () -> steps.add("close"),
        grace,
        Duration.ofSeconds(10),
        line -> {
          logged.add(line);
          toldOfTheGrace.countDown();
        });
  }

  @Test
  void sigterm_withdrawsThenWaitsTheGrace_andASecondRequestEndsIt() throws Exception {
    ShutdownSequence s = sequence(Duration.ofHours(1));
    s.request(false);
    s.awaitRequest();

    CompletableFuture<Void> running = CompletableFuture.runAsync(s::run);
    assertThat(withdrawn.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(toldOfTheGrace.await(10, TimeUnit.SECONDS)).isTrue(); // then it waits

    assertThat(steps).as("in the grace: withdrawn, still serving").containsExactly("withdraw");
    assertThat(running).isNotDone();
    s.request(false);
    running.get(10, TimeUnit.SECONDS);
    assertThat(steps).containsExactly("withdraw", "drain", "close");
    assertThat(logged.get(0)).contains("/readyz now fails").contains("1h (--shutdown-grace)");
    assertThat(logged.get(1)).contains("draining requests in flight (up to 10s, --drain)");
    assertThat(logged).last().isEqualTo("stopped");
  }

  @Test
  void sigint_skipsTheGrace() throws Exception {
    ShutdownSequence s = sequence(Duration.ofHours(1));
    s.request(true);

    CompletableFuture.runAsync(s::run).get(10, TimeUnit.SECONDS);

    assertThat(steps).containsExactly("withdraw", "drain", "close");
    assertThat(logged.get(0)).isEqualTo("stopping: /readyz now fails");
  }

  @Test
  void aZeroGrace_goesStraightToTheDrain() throws Exception {
    ShutdownSequence s = sequence(Duration.ZERO);
    s.request(false);

    CompletableFuture.runAsync(s::run).get(10, TimeUnit.SECONDS);

    assertThat(steps).containsExactly("withdraw", "drain", "close");
  }

  @Test
  void aShortGrace_endsByItself() throws Exception {
    ShutdownSequence s = sequence(Duration.ofMillis(20));
    s.request(false);

    CompletableFuture.runAsync(s::run).get(10, TimeUnit.SECONDS);

    assertThat(steps).containsExactly("withdraw", "drain", "close");
  }

  @Test
  void runTwice_runsThePhasesOnce() throws Exception {
    ShutdownSequence s = sequence(Duration.ZERO);

    CompletableFuture.allOf(CompletableFuture.runAsync(s::run), CompletableFuture.runAsync(s::run))
        .get(10, TimeUnit.SECONDS);
    s.run();

    assertThat(steps).containsExactly("withdraw", "drain", "close");
  }
}
