package dev.sluice.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real HTTP server on the loopback interface, answering each request with what a test's responder
 * returns, and recording what it received. The JDK's server always sends its own {@code Date} (the
 * real time), which is why {@link FakeSleeper}'s wall clock starts at the real present: the client
 * trusts its own clock while the two agree within seconds.
 */
final class TestServer implements AutoCloseable {
  static {
    // Without TCP_NODELAY the JDK's server meets the client's delayed ACKs: ~45 ms per request.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  /** A request as received. */
  record Received(String method, String path, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      for (Map.Entry<String, List<String>> h : headers.entrySet()) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue().get(0);
        }
      }
      return null;
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** A response to send. */
  record Reply(int status, Map<String, String> headers, String body) {
    static Reply of(int status) {
      return new Reply(status, Map.of(), "");
    }

    Reply header(String name, String value) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put(name, value);
      return new Reply(status, h, body);
    }

    Reply body(String text) {
      return new Reply(status, headers, text);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<Received> received = Collections.synchronizedList(new ArrayList<>());

  private TestServer(Function<Received, Reply> responder, int threads) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
    executor = Executors.newFixedThreadPool(threads);
    server.setExecutor(executor);
    server.createContext("/", exchange -> handle(exchange, responder));
    server.start();
  }

  /** A server answering with {@code responder}. */
  static TestServer start(Function<Received, Reply> responder) throws IOException {
    return new TestServer(responder, 4);
  }

  /** A server answering with {@code responder} on {@code threads} threads. */
  static TestServer start(Function<Received, Reply> responder, int threads) throws IOException {
    return new TestServer(responder, threads);
  }

  /** A server answering with {@code replies} in turn, the last one from then on. */
  static TestServer replying(Reply... replies) throws IOException {
    List<Reply> script = List.of(replies);
    int[] next = {0};
    return start(
        r -> {
          synchronized (next) {
            return script.get(Math.min(next[0]++, script.size() - 1));
          }
        });
  }

  /** {@code t} as an IMF-fixdate. */
  static String httpDate(Instant t) {
    return DateTimeFormatter.RFC_1123_DATE_TIME.format(t.atOffset(ZoneOffset.UTC));
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  List<Received> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  int requests() {
    return received.size();
  }

  private void handle(HttpExchange exchange, Function<Received, Reply> responder)
      throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Received r =
          new Received(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getPath(),
              Map.copyOf(exchange.getRequestHeaders()),
              body);
      received.add(r);
      Reply reply = responder.apply(r);
      reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
      boolean noBody = reply.status() == 304 || reply.status() == 204 || out.length == 0;
      exchange.sendResponseHeaders(reply.status(), noBody ? -1 : out.length);
      if (!noBody) {
        try (OutputStream os = exchange.getResponseBody()) {
          os.write(out);
        }
      }
    } catch (RuntimeException e) {
      e.printStackTrace();
      throw e;
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
