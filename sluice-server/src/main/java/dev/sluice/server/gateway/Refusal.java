package dev.sluice.server.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The whole pipeline of a connection over a connection limit: a {@code 503} with the JSON error
 * body and {@code Connection: close}, written as soon as the connection is up and without reading
 * the request; then the gateway's side is shut, and whatever the client sends is read and dropped
 * until it closes too, for at most a second.
 *
 * <p>On a TLS port the answer is a fatal TLS alert, {@code internal_error}, in a clear-text record
 * (allowed before the handshake): a client in the middle of its handshake cannot read an HTTP
 * answer (it would report a broken protocol), and completing a handshake to say 503 would spend the
 * CPU an attacker opening connections wants spent. The client reports "received fatal alert:
 * internal_error", and the refusal is counted as on a clear-text port.
 *
 * <p>Why not close at once after the answer: a socket closed with the client's request unread in it
 * is reset, and a reset may make the client's system drop the answer before it is read. Why not
 * linger without bound: an attacker's connections would hold descriptors as long as it likes. So at
 * most {@link #MAX_LINGERING} refused connections linger at once; past that, one is closed
 * unanswered.
 */
final class Refusal extends ChannelInboundHandlerAdapter {
  static final int MAX_LINGERING = 1024;
  private static final long LINGER_MS = 1_000;
  private static final AtomicInteger LINGERING = new AtomicInteger();

  private static final byte[] OVER_TOTAL =
      answer(
          "TOO_MANY_CONNECTIONS", "the gateway holds as many connections as it may; retry shortly");
  private static final byte[] OVER_PER_CLIENT =
      answer(
          "TOO_MANY_CONNECTIONS",
          "too many connections from this client address; close some, or reuse one (keep-alive)");

  /**
   * A TLS record (content type 21, alert; version 3.3, as TLS 1.2 and 1.3 records say; length 2)
   * holding a fatal (2) {@code internal_error} (80) alert, RFC 8446 section 6.
   */
  private static final byte[] TLS_INTERNAL_ERROR = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50};

  private final byte[] answer;
  private boolean counted;
  private ScheduledFuture<?> linger;

  /**
   * @param why which limit the connection is over
   * @param tls whether the port speaks TLS (the answer is then a TLS alert)
   */
  Refusal(ConnectionLimits.Admission why, boolean tls) {
    this.answer =
        tls
            ? TLS_INTERNAL_ERROR
            : why == ConnectionLimits.Admission.OVER_TOTAL ? OVER_TOTAL : OVER_PER_CLIENT;
  }

  private static byte[] answer(String code, String message) {
    byte[] body = JsonErrors.body(code, message).getBytes(StandardCharsets.UTF_8);
    byte[] head =
        ("HTTP/1.1 503 Service Unavailable\r\n"
                + "Content-Type: application/json\r\n"
                + "Cache-Control: no-store\r\n"
                + "Retry-After: 1\r\n"
                + "Connection: close\r\n"
                + "Content-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (LINGERING.incrementAndGet() > MAX_LINGERING) {
      LINGERING.decrementAndGet();
      ctx.close();
      return;
    }
    counted = true;
    linger = ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
    ctx.writeAndFlush(Unpooled.wrappedBuffer(answer))
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess() && f.channel() instanceof DuplexChannel d) {
                    d.shutdownOutput();
                  } else {
                    f.channel().close();
                  }
                });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg); // the request is not read: dropped as it comes
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (counted) {
      counted = false;
      LINGERING.decrementAndGet();
    }
    if (linger != null) {
      linger.cancel(false);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // a reset by a refused client: nothing to say, nothing to log
  }
}
