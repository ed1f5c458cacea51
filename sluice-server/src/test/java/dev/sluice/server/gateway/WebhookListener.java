package dev.sluice.server.gateway;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

/**
 * A real HTTP endpoint for webhook deliveries (the JDK's HTTP server on a free loopback port):
 * records each POST it gets (with the status it answered) and answers with the status {@code
 * answer} gives for the request's number (1 for the first).
 */
final class WebhookListener implements AutoCloseable {
  record Received(Map<String, List<String>> headers, String body, int answered) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  private final HttpServer server;
  private final AtomicInteger count = new AtomicInteger();
  final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

  WebhookListener(IntUnaryOperator answer) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext(
        "/hook",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          int status = answer.applyAsInt(count.incrementAndGet());
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
          // Recorded once answered: a test that saw it may rely on the sender having its answer.
          received.add(new Received(Map.copyOf(exchange.getRequestHeaders()), body, status));
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  /** The next delivery, waiting up to 10 s for it. */
  Received next() throws InterruptedException {
    Received r = received.poll(10, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no webhook delivery arrived");
    }
    return r;
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
