package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code /healthz} learns of the accepting: failing for 5 s with no success is a problem while
 * it goes on, and no longer once a connection is accepted or the failures stop. A clock the test
 * sets; an embedded channel stands for the listener.
 */
class AcceptWatchTest {
  final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(1_000));
  final AcceptWatch watch = new AcceptWatch(new GatewayMetrics(), now::get);
  final EmbeddedChannel listener = new EmbeddedChannel(watch);

  AcceptWatchTest() {
    watch.watch(listener);
  }

  @AfterEach
  void close() {
    listener.finishAndReleaseAll();
  }

  void at(long seconds) {
    now.set(TimeUnit.SECONDS.toNanos(1_000 + seconds) + 1);
  }

  static IOException emfile() {
    return new IOException("accept(..) failed: Too many open files");
  }

  @Test
  void acceptFailingForFiveSeconds_isAProblem_untilAConnectionIsAccepted() {
    at(0);
    watch.failed(emfile());
    at(4);
    watch.failed(emfile());
    assertThat(watch.problem()).as("4 s of failures").isNull();
    at(5);
    watch.failed(emfile());
    assertThat(watch.problem()).contains("failed to accept").contains("Too many open files");

    watch.accepted();

    assertThat(watch.problem()).isNull();
  }

  @Test
  void failuresThatStopped_areNoLongerAProblem() {
    at(0);
    watch.failed(emfile());
    at(6);
    watch.failed(emfile());
    assertThat(watch.problem()).isNotNull();

    at(9);

    assertThat(watch.problem()).isNull();
  }

  @Test
  void aFailureToAccept_pausesAccepting_andAcceptingResumesByItself() {
    listener.pipeline().fireExceptionCaught(emfile());
    assertThat(listener.config().isAutoRead()).isFalse();

    listener.advanceTimeBy(AcceptWatch.PAUSE_MS, TimeUnit.MILLISECONDS);
    listener.runScheduledPendingTasks();

    assertThat(listener.config().isAutoRead()).isTrue();
  }

  @Test
  void aClosedListener_isAProblem() {
    listener.close();

    assertThat(watch.problem()).contains("closed");
  }
}
