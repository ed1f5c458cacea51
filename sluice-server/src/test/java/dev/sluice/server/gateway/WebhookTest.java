package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.core.Overrides;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.server.ops.Operations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks delivered to a real local HTTP endpoint: thresholds fire once per window, signatures
 * verify, failures are retried with back-off (on the test's clock), and an endpoint that hangs
 * slows no request. {@link WebhookDurabilityTest} covers the queue across restarts and the admin
 * API.
 */
class WebhookTest {
  static final Instant START = Instant.parse("2030-01-01T00:00:05Z");
  static final String SECRET = "whsec-test-0123456789abcdef";

  @TempDir Path dir;

  OpsFixture f;
  WebhookListener listener;

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
    if (listener != null) {
      listener.close();
    }
  }

  static String policy(String url) {
    return """
    key: header:X-Api-Key
    global: {limits: 1000/minute}
    webhooks:
      - url: %s
        thresholds: [80, 100]
        secret-env: SLUICE_TEST_WEBHOOK_SECRET
        rules: [search]
    rules:
      - name: search
        route: GET /search
        limits: 10/minute
    """
        .formatted(url);
  }

  OpsFixture start(String url, java.util.function.Consumer<Operations.Builder> tune) {
    return f =
        OpsFixture.start(
            dir, policy(url), START, Map.of("SLUICE_TEST_WEBHOOK_SECRET", SECRET), tune);
  }

  JsonObject stats() {
    return f.adminJson("GET", "/admin/stats", null);
  }

  static JsonObject verified(WebhookListener.Received r) throws Exception {
    return verified(r, START);
  }

  /** The event {@code r} carries, once its signature, made at {@code signedAt}, is checked. */
  static JsonObject verified(WebhookListener.Received r, Instant signedAt) throws Exception {
    String header = r.header("Sluice-Signature");
    assertThat(header).matches("t=\\d+,v1=[0-9a-f]{64}");
    String t = header.substring(2, header.indexOf(','));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String expected =
        HexFormat.of()
            .formatHex(mac.doFinal((t + "." + r.body()).getBytes(StandardCharsets.UTF_8)));
    assertThat(header).endsWith(",v1=" + expected);
    assertThat(Long.parseLong(t)).isEqualTo(signedAt.getEpochSecond());
    assertThat(r.header("Content-Type")).isEqualTo("application/json");
    return new JsonObject(r.body());
  }

  @Test
  void thresholds_fireOncePerWindow_signed() throws Exception {
    listener = new WebhookListener(n -> 204);
    start(listener.url(), b -> {});
    String fp = f.fingerprint("key-a");

    f.hit("/search", "key-a", 7);
    assertThat(stats().getJsonObject("webhooks").getLong("events")).as("70%: nothing yet").isZero();

    f.hit("/search", "key-a", 1);
    JsonObject at80 = verified(listener.next());
    f.hit("/search", "key-a", 2);
    JsonObject at100 = verified(listener.next());
    assertThat(f.hit("/search", "key-a", 5)).as("denied").isZero();

    assertThat(at80.getString("type")).isEqualTo("threshold.crossed");
    assertThat(at80.getString("rule")).isEqualTo("search");
    assertThat(at80.getString("limit")).isEqualTo("search");
    assertThat(at80.getInteger("threshold")).isEqualTo(80);
    assertThat(at80.getLong("used")).isEqualTo(8);
    assertThat(at80.getLong("capacity")).isEqualTo(10);
    assertThat(at80.getLong("remaining")).isEqualTo(2);
    assertThat(at80.getLong("reset")).isEqualTo(START.getEpochSecond() - 5 + 60);
    assertThat(at80.getString("identity")).isEqualTo(fp);
    assertThat(at80.getBoolean("shadow")).isFalse();
    assertThat(at80.getString("time")).isEqualTo("2030-01-01T00:00:05Z");
    assertThat(at100.getInteger("threshold")).isEqualTo(100);
    assertThat(at100.getLong("used")).isEqualTo(10);
    assertThat(at100.getLong("remaining")).isZero();
    OpsFixture.await(
        "both deliveries recorded",
        () -> stats().getJsonObject("webhooks").getLong("delivered") == 2);
    JsonObject webhooks = stats().getJsonObject("webhooks");
    assertThat(webhooks.getLong("events")).as("the 5 denied requests fired nothing").isEqualTo(2);
    assertThat(webhooks.getLong("pending")).isZero();
    assertThat(listener.received).as("exactly two deliveries").isEmpty();

    f.ticker.advance(Duration.ofMinutes(1));
    f.hit("/search", "key-a", 8);
    JsonObject nextWindow = verified(listener.next(), START.plusSeconds(60));
    assertThat(nextWindow.getInteger("threshold")).isEqualTo(80);
    assertThat(nextWindow.getLong("reset")).isEqualTo(START.getEpochSecond() - 5 + 120);
  }

  /** Waits until no attempt is in flight: each outcome is then known to the sender. */
  void settle() {
    OpsFixture.await(
        "no attempt in flight",
        () -> f.adminJson("GET", "/admin/webhooks", null).getInteger("in_flight") == 0);
  }

  @Test
  void aFailedDelivery_isRetriedWithTheSameEvent() throws Exception {
    listener = new WebhookListener(n -> n == 1 ? 500 : 200);
    start(listener.url(), b -> {});

    f.hit("/search", "key-a", 8);

    JsonObject first = verified(listener.next());
    settle();
    assertThat(listener.received).as("no retry before its time").isEmpty();
    f.advanceWebhooks(Duration.ofSeconds(1)); // the first retry waits 0.5 to 1 s
    JsonObject second = verified(listener.next(), START.plusSeconds(1));
    assertThat(second.getString("id")).isEqualTo(first.getString("id"));
    OpsFixture.await("the delivery recorded", () -> stats().getJsonArray("deliveries").size() == 1);
    JsonObject d = stats().getJsonArray("deliveries").getJsonObject(0);
    assertThat(d.getString("outcome")).isEqualTo("delivered");
    assertThat(d.getInteger("attempts")).isEqualTo(2);
    assertThat(d.getInteger("status")).isEqualTo(200);
    assertThat(stats().getJsonObject("webhooks").getLong("retried")).isEqualTo(1);
  }

  /**
   * Retried for 10 s: attempts at 0, 1, 2, 4 and 8 s (each wait half to all of the event's age, at
   * least 1 s), and the next, due 12 to 16 s after the event, would be past its retry time.
   */
  @Test
  void aDeliveryThatKeepsFailing_failsForGoodAfterItsRetryTime_andIsCounted() throws Exception {
    listener = new WebhookListener(n -> 503);
    start(listener.url(), b -> b.webhookRetryFor(Duration.ofSeconds(10)));

    f.hit("/search", "key-a", 8);

    listener.next();
    for (int seconds : new int[] {1, 1, 2, 4}) {
      settle();
      f.advanceWebhooks(Duration.ofSeconds(seconds));
      listener.next();
    }
    OpsFixture.await(
        "the failure recorded", () -> stats().getJsonObject("webhooks").getLong("failed") == 1);
    JsonObject d = stats().getJsonArray("deliveries").getJsonObject(0);
    assertThat(d.getString("outcome")).isEqualTo("failed");
    assertThat(d.getInteger("attempts")).isEqualTo(5);
    assertThat(d.getString("error")).isEqualTo("HTTP 503 (retried for 10s)");
    assertThat(listener.received).isEmpty();
    assertThat(f.admin("GET", "/metrics", null).body())
        .contains("sluice_webhook_deliveries_total{result=\"failed\"} 1.0");
  }

  @Test
  void aHungEndpoint_slowsNoRequest_andItsBacklogIsBounded() throws Exception {
    // Accepts connections (in the kernel's backlog) and never reads or answers.
    try (ServerSocket hung = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
      start("http://127.0.0.1:" + hung.getLocalPort() + "/hook", b -> b.webhookQueue(3));

      int ok = 0;
      for (int k = 0; k < 20; k++) {
        ok += f.hit("/search", "key-" + k, 10);
      }

      assertThat(ok).as("every request through the proxy was answered").isEqualTo(200);
      JsonObject webhooks = stats().getJsonObject("webhooks");
      assertThat(webhooks.getLong("events")).isEqualTo(40);
      assertThat(webhooks.getLong("pending")).isEqualTo(3);
      assertThat(webhooks.getLong("dropped")).isEqualTo(37);
      assertThat(stats().getJsonArray("deliveries").getJsonObject(0).getString("outcome"))
          .isEqualTo("dropped");
    }
  }

  /**
   * A receiver that answers 200 and then streams its body without end: the status is all a delivery
   * needs. The sender once read (and discarded) the whole body, and the request timeout stops at
   * the headers, so such a receiver held the delivery, and its place among the pending ones, for as
   * long as it kept streaming.
   */
  @Test
  void aReceiverStreamingAnEndlessBody_doesNotHoldTheDelivery() throws Exception {
    try (ServerSocket endless = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      java.util.concurrent.atomic.AtomicInteger bodiesCut =
          new java.util.concurrent.atomic.AtomicInteger();
      Thread server =
          new Thread(
              () -> {
                try (java.net.Socket s = endless.accept()) {
                  java.io.BufferedReader in =
                      new java.io.BufferedReader(
                          new java.io.InputStreamReader(
                              s.getInputStream(), StandardCharsets.ISO_8859_1));
                  int length = 0;
                  for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                      length = Integer.parseInt(line.substring(15).trim());
                    }
                  }
                  in.skip(length);
                  java.io.OutputStream out = s.getOutputStream();
                  out.write(
                      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                          .getBytes(StandardCharsets.ISO_8859_1));
                  byte[] chunk = new byte[16 * 1024];
                  while (true) { // until the sender hangs up
                    out.write(chunk);
                    out.flush();
                  }
                } catch (java.io.IOException e) {
                  bodiesCut.incrementAndGet(); // the sender closed the connection
                }
              },
              "endless-webhook-receiver");
      server.setDaemon(true);
      server.start();
      start("http://127.0.0.1:" + endless.getLocalPort() + "/hook", b -> {});

      f.hit("/search", "key-a", 8);

      OpsFixture.await(
          "the delivery recorded",
          () -> stats().getJsonObject("webhooks").getLong("delivered") == 1);
      assertThat(stats().getJsonObject("webhooks").getLong("pending")).isZero();
      JsonObject d = stats().getJsonArray("deliveries").getJsonObject(0);
      assertThat(d.getString("outcome")).isEqualTo("delivered");
      assertThat(d.getInteger("status")).isEqualTo(200);
      OpsFixture.await("the receiver cut off", () -> bodiesCut.get() == 1);
    }
  }

  @Test
  void aWebhookWithoutItsSecret_refusesToStart_andAReloadAddingOneIsRefused() throws Exception {
    Path policy = dir.resolve("hooked.yaml");
    Files.writeString(policy, policy("http://127.0.0.1:9/hook"));
    Engines engines = new Engines(policy, InMemoryStore.create(), null, new Overrides());

    assertThatThrownBy(
            () ->
                Operations.builder(engines::current, engines.overrides())
                    .secrets(name -> null)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("environment variable SLUICE_TEST_WEBHOOK_SECRET, which is not set");

    f = OpsFixture.start(dir, "key: header:X-Api-Key\nglobal: {limits: 5/minute}\n", START);
    Files.writeString(f.policyFile, policy("http://127.0.0.1:9/hook"));
    HttpResponse<String> reload = f.admin("POST", "/admin/reload", null);

    assertThat(reload.statusCode()).isEqualTo(422);
    assertThat(reload.body()).contains("SLUICE_TEST_WEBHOOK_SECRET");
    assertThat(f.get("/search", "X-Api-Key", "k").headers().firstValue("X-RateLimit-Limit"))
        .as("the old policy stays")
        .hasValue("5");
  }

  @Test
  void deliveries_showInStatsNewestFirst() throws Exception {
    listener = new WebhookListener(n -> 200);
    start(listener.url(), b -> {});

    f.hit("/search", "key-a", 10);
    listener.next();
    listener.next();
    OpsFixture.await("two deliveries", () -> stats().getJsonArray("deliveries").size() == 2);

    // The two are sent at once, so either may finish first: newest first means by finishing time.
    JsonArray deliveries = stats().getJsonArray("deliveries");
    assertThat(
            java.util.List.of(
                deliveries.getJsonObject(0).getInteger("threshold"),
                deliveries.getJsonObject(1).getInteger("threshold")))
        .containsExactlyInAnyOrder(80, 100);
    assertThat(java.time.Instant.parse(deliveries.getJsonObject(0).getString("time")))
        .isAfterOrEqualTo(java.time.Instant.parse(deliveries.getJsonObject(1).getString("time")));
    assertThat(deliveries.getJsonObject(0).getString("url"))
        .as("origin only: a receiver's path or query may be its secret")
        .isEqualTo(listener.url().replace("/hook", "/…"));
  }
}
