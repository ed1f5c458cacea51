package dev.sluice.client.adapters;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Loopback servers for the HTTP-stack adapters' tests (OkHttp, Spring, Apache), shared through
 * sluice-client's test-jar.
 */
public final class Servers {
  private Servers() {}

  /** A reply: status, headers. */
  public record Reply(int status, Map<String, String> headers) {}

  /** A JDK HTTP server answering each request with the next reply of {@code replies}. */
  public static HttpServer replying(Supplier<Reply> replies) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            exchange.getRequestBody().readAllBytes();
            Reply r = replies.get();
            r.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            byte[] body = ("{\"status\":" + r.status() + "}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(r.status(), body.length);
            try (OutputStream os = exchange.getResponseBody()) {
              os.write(body);
            }
          }
        });
    server.start();
    return server;
  }

  /** The URL of {@code server}. */
  public static String url(HttpServer server) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/items";
  }

  /**
   * A fixed-window API on {@code clock}: {@code limit} per {@code windowSeconds}, windows on the
   * epoch, X-RateLimit-Limit and -Remaining but no reset, a 429 with Retry-After in whole seconds
   * rounded up (the Convotic document). Counts refusals in {@code refused}.
   */
  public static Supplier<Reply> fixedWindow(
      Supplier<Instant> clock, int limit, long windowSeconds, AtomicInteger refused) {
    long windowMillis = windowSeconds * 1000;
    long[] state = {Long.MIN_VALUE, 0}; // window index, used
    return () -> {
      synchronized (state) {
        long now = clock.get().toEpochMilli();
        long index = Math.floorDiv(now, windowMillis);
        if (state[0] != index) {
          state[0] = index;
          state[1] = 0;
        }
        if (state[1] < limit) {
          state[1]++;
          return new Reply(
              200,
              Map.of(
                  "X-RateLimit-Limit",
                  "" + limit,
                  "X-RateLimit-Remaining",
                  "" + (limit - state[1])));
        }
        refused.incrementAndGet();
        long retryAfter = Math.max(1, -Math.floorDiv(-((index + 1) * windowMillis - now), 1000));
        return new Reply(
            429,
            Map.of(
                "X-RateLimit-Limit", "" + limit,
                "X-RateLimit-Remaining", "0",
                "Retry-After", "" + retryAfter));
      }
    };
  }

  /**
   * A raw server whose first {@code resets} connections are closed (reset) without an answer; the
   * later ones get a 200. Returns its port; it stops with the test's JVM.
   */
  public static int resettingFirst(int resets, AtomicInteger connections) throws IOException {
    ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                  int n = connections.incrementAndGet();
                  s.getInputStream().read(new byte[4096]);
                  if (n <= resets) {
                    s.setSoLinger(true, 0); // RST, not FIN
                  } else {
                    s.getOutputStream()
                        .write(
                            ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                                .getBytes(StandardCharsets.ISO_8859_1));
                  }
                } catch (IOException e) {
                  return;
                }
              }
            },
            "resetting-server");
    t.setDaemon(true);
    t.start();
    return socket.getLocalPort();
  }
}
