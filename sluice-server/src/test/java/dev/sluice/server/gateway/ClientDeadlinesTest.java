package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client deadlines on an embedded channel whose clock the test moves: nothing sleeps, and the
 * deadlines pass exactly when due.
 */
class ClientDeadlinesTest {
  static final long HEADER_MS = 20_000;
  static final long BODY_MS = 30_000;

  final List<Object> events = new ArrayList<>();
  final ClientDeadlines deadlines =
      new ClientDeadlines(
          TimeUnit.MILLISECONDS.toNanos(HEADER_MS), TimeUnit.MILLISECONDS.toNanos(BODY_MS));
  boolean waitingForBody;
  EmbeddedChannel channel;

  ClientDeadlinesTest() {
    channel = new EmbeddedChannel();
    channel.freezeTime();
    deadlines.bodyWait(() -> waitingForBody);
    channel
        .pipeline()
        .addLast(
            deadlines,
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
              }

              @Override
              public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
              }
            });
  }

  @AfterEach
  void close() {
    channel.finishAndReleaseAll();
  }

  void pass(long ms) {
    channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  void bytes() {
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'x'}));
  }

  @Test
  void headersTrickledByteByByte_stillPassTheirDeadline_fromTheConnectionsStart() {
    for (int i = 0; i < 19; i++) {
      pass(1_000);
      bytes(); // each read would reset an idle timer; it does not move this deadline
    }
    assertThat(events).isEmpty();

    pass(1_000);

    assertThat(events).containsExactly(ClientDeadlines.Expired.HEADER);
  }

  @Test
  void headersReceivedInTime_passNoDeadline() {
    pass(HEADER_MS - 1);
    deadlines.headReceived();
    deadlines.requestEnded();

    pass(HEADER_MS * 10);

    assertThat(events).isEmpty();
  }

  @Test
  void theNextRequestsDeadline_countsFromItsFirstByte_notFromTheLastRequest() {
    deadlines.headReceived();
    deadlines.requestEnded();
    pass(100_000); // idle between requests: the keep-alive timeout's business
    bytes();
    pass(HEADER_MS - 1);
    assertThat(events).isEmpty();

    pass(1);

    assertThat(events).containsExactly(ClientDeadlines.Expired.HEADER);
  }

  @Test
  void aBodyAwaited_mayBeSilentUpToTheBodyTimeoutBetweenReads() {
    deadlines.headReceived();
    waitingForBody = true;
    for (int i = 0; i < 5; i++) {
      pass(BODY_MS - 1);
      bytes();
    }
    assertThat(events).isEmpty();

    pass(BODY_MS);

    assertThat(events).containsExactly(ClientDeadlines.Expired.BODY);
  }

  @Test
  void aBodyNotBeingRead_isNotTheClientsSilence() {
    deadlines.headReceived();
    waitingForBody = false; // the upstream is not taking it: reads are off
    pass(BODY_MS * 3);
    assertThat(events).isEmpty();

    waitingForBody = true;
    channel.read(); // reading resumes: the silence counts from here
    pass(BODY_MS - 1);
    assertThat(events).isEmpty();
    pass(1);

    assertThat(events).containsExactly(ClientDeadlines.Expired.BODY);
  }
}
