package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The upstream connection's silence timer, on an embedded channel whose clock the test moves: a
 * silent connection is closed after the timeout, and a client's body still going to the upstream
 * defers it (a slow upload is not the upstream's silence).
 */
class UpstreamSilenceTest {
  private static final long TIMEOUT_MS = 300;

  private final UpstreamConnection upstream =
      new UpstreamConnection(null, TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS));
  private final EmbeddedChannel channel = new EmbeddedChannel(upstream);

  {
    channel.freezeTime();
  }

  private void advance(long millis) {
    channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  @Test
  void aConnectionSilentForTheTimeout_isClosed() {
    advance(TIMEOUT_MS - 1);
    assertThat(channel.isActive()).isTrue();

    advance(1);

    assertThat(channel.isActive()).isFalse();
  }

  @Test
  void anUploadSlowerThanTheTimeout_isNotTheUpstreamsSilence() {
    for (int piece = 0; piece < 10; piece++) { // 2 s of upload, a piece every 200 ms
      advance(200);
      upstream.bodySent();
    }
    assertThat(channel.isActive()).isTrue();

    advance(TIMEOUT_MS); // the body is all sent, and the upstream says nothing

    assertThat(channel.isActive()).isFalse();
  }
}
