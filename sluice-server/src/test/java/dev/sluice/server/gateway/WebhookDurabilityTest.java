package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhook events outlive a receiver's outage and a gateway's restart: a real gateway, a real
 * receiver on a real socket, the queue journalled in the state directory, and the retries' time
 * moved by hand ({@link OpsFixture#advanceWebhooks}), so hours pass in no time.
 */
class WebhookDurabilityTest {
  @TempDir Path dir;

  OpsFixture f;
  WebhookListener receiver;
  final AtomicBoolean up = new AtomicBoolean();

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  void start(Consumer<dev.sluice.server.ops.Operations.Builder> tune) {
    receiver = new WebhookListener(n -> up.get() ? 200 : 503);
    f =
        OpsFixture.start(
            dir,
            WebhookTest.policy(receiver.url()),
            WebhookTest.START,
            Map.of("SLUICE_TEST_WEBHOOK_SECRET", WebhookTest.SECRET),
            tune);
  }

  JsonObject webhooks() {
    return f.adminJson("GET", "/admin/webhooks", null);
  }

  /** Waits until {@code n} more attempts reached the receiver and their outcomes are known. */
  List<WebhookListener.Received> attempts(int n) throws InterruptedException {
    List<WebhookListener.Received> got = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      got.add(receiver.next());
    }
    OpsFixture.await("no attempt in flight", () -> webhooks().getInteger("in_flight") == 0);
    return got;
  }

  static Set<String> ids(List<WebhookListener.Received> received) {
    return received.stream()
        .map(r -> new JsonObject(r.body()).getString("id"))
        .collect(Collectors.toSet());
  }

  @Test
  void aReceiverDownLongerThanTheOldRetries_andARestart_getEveryEventExactlyOnce()
      throws Exception {
    start(b -> {});
    f.hit("/search", "key-a", 10); // 80% and 100%
    f.hit("/search", "key-b", 8); // 80%

    Set<String> events = ids(attempts(3));
    assertThat(events).hasSize(3);
    // 40 s of outage, well past the old 1 + 2 + 4 + 8 s: each event retried, none given up.
    f.advanceWebhooks(Duration.ofSeconds(20));
    assertThat(ids(attempts(3))).isEqualTo(events);
    f.advanceWebhooks(Duration.ofSeconds(20));
    assertThat(ids(attempts(3))).isEqualTo(events);
    JsonObject before = webhooks();
    assertThat(before.getInteger("pending")).isEqualTo(3);
    assertThat(before.getLong("failed")).isZero();
    assertThat(before.getLong("retried"))
        .as("3 failed attempts each, each scheduled again")
        .isEqualTo(9);

    f.restart(); // a new gateway on the same state directory: the queue is read back
    assertThat(ids(attempts(3))).as("tried again at once after the restart").isEqualTo(events);
    assertThat(webhooks().getInteger("pending")).isEqualTo(3);

    up.set(true);
    f.advanceWebhooks(Duration.ofMinutes(1)); // at 100 s: past the next wait (60 to 80 s)
    List<WebhookListener.Received> delivered = attempts(3);
    assertThat(delivered).allMatch(r -> r.answered() == 200);
    assertThat(ids(delivered)).isEqualTo(events);
    for (WebhookListener.Received r : delivered) {
      WebhookTest.verified(r, WebhookTest.START.plusSeconds(100));
    }
    OpsFixture.await("all delivered", () -> webhooks().getLong("delivered") == 3);
    assertThat(webhooks().getInteger("pending")).isZero();

    f.advanceWebhooks(Duration.ofHours(25));
    f.restart(); // nothing left in the journal to send
    f.advanceWebhooks(Duration.ofHours(1));
    assertThat(webhooks().getInteger("pending")).isZero();
    assertThat(receiver.received).as("no event delivered twice").isEmpty();
    assertThat(f.admin("GET", "/metrics", null).body())
        .contains("sluice_webhook_queue_depth 0.0")
        .contains("sluice_webhook_failed_kept 0.0");
  }

  @Test
  void eventsFailedForGood_areListed_surviveARestart_andAreResentOrRemovedByTheAdminApi()
      throws Exception {
    start(b -> b.webhookRetryFor(Duration.ofMinutes(1)));
    f.hit("/search", "key-a", 10);
    Set<String> events = ids(attempts(2));
    for (int i = 0; i < 6 && webhooks().getLong("failed") < 2; i++) {
      f.advanceWebhooks(Duration.ofSeconds(30));
      OpsFixture.await("no attempt in flight", () -> webhooks().getInteger("in_flight") == 0);
    }
    assertThat(webhooks().getLong("failed")).isEqualTo(2);
    receiver.received.clear();

    f.restart();
    JsonObject listed = f.adminJson("GET", "/admin/webhooks/failed", null);
    assertThat(listed.getInteger("count")).isEqualTo(2);
    JsonArray failed = listed.getJsonArray("failed");
    Set<String> failedIds = new HashSet<>();
    for (int i = 0; i < failed.size(); i++) {
      JsonObject e = failed.getJsonObject(i);
      failedIds.add(e.getString("id"));
      assertThat(e.getString("reason")).isEqualTo("HTTP 503 (retried for 1 minute)");
      assertThat(e.getInteger("status")).isEqualTo(503);
      assertThat(e.getJsonObject("event").getString("id")).isEqualTo(e.getString("id"));
      assertThat(e.getString("url")).isEqualTo(receiver.url().replace("/hook", "/…"));
    }
    assertThat(failedIds).isEqualTo(events);
    assertThat(f.admin("GET", "/metrics", null).body()).contains("sluice_webhook_failed_kept 2.0");
    assertThat(f.adminJson("GET", "/admin/stats", null).getJsonArray("webhooks_failed")).hasSize(2);

    up.set(true);
    String resent = failed.getJsonObject(0).getString("id");
    String removed = failed.getJsonObject(1).getString("id");
    HttpResponse<String> r = f.admin("POST", "/admin/webhooks/failed/" + resent + "/resend", null);
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(new JsonObject(r.body()).getString("id")).isEqualTo(resent);
    WebhookListener.Received got = attempts(1).get(0);
    assertThat(got.answered()).isEqualTo(200);
    assertThat(new JsonObject(got.body()).getString("id")).isEqualTo(resent);
    OpsFixture.await("delivered", () -> webhooks().getLong("delivered") == 1);

    assertThat(f.admin("DELETE", "/admin/webhooks/failed/" + removed, null).statusCode())
        .isEqualTo(200);
    assertThat(f.adminJson("GET", "/admin/webhooks/failed", null).getInteger("count")).isZero();
    assertThat(f.admin("POST", "/admin/webhooks/failed/" + resent + "/resend", null).statusCode())
        .as("delivered: no longer failed")
        .isEqualTo(404);

    f.restart();
    assertThat(f.adminJson("GET", "/admin/webhooks/failed", null).getInteger("count"))
        .as("the removal and the delivery were kept")
        .isZero();
    assertThat(webhooks().getInteger("pending")).isZero();
  }

  @Test
  void aFullQueue_dropsItsOldestEvents_countsThem_andListsThemForAResend() throws Exception {
    start(b -> b.webhookQueue(3));
    for (int k = 0; k < 5; k++) {
      f.hit("/search", "key-" + k, 8); // one event each, in order
    }
    // Decisions reach the webhooks through the recorder's queue; /admin/stats waits for it.
    assertThat(f.adminJson("GET", "/admin/stats", null).getJsonObject("webhooks").getLong("events"))
        .isEqualTo(5);
    JsonObject w = webhooks();
    assertThat(w.getInteger("pending")).isEqualTo(3);
    assertThat(w.getLong("dropped")).isEqualTo(2);
    JsonArray failed = f.adminJson("GET", "/admin/webhooks/failed", null).getJsonArray("failed");
    assertThat(failed).hasSize(2);
    Set<String> droppedIdentities = new HashSet<>();
    for (int i = 0; i < failed.size(); i++) {
      assertThat(failed.getJsonObject(i).getString("reason")).startsWith("dropped: ");
      droppedIdentities.add(failed.getJsonObject(i).getJsonObject("event").getString("identity"));
    }
    assertThat(droppedIdentities)
        .as("the oldest went")
        .containsExactlyInAnyOrder(f.fingerprint("key-0"), f.fingerprint("key-1"));
    assertThat(f.admin("GET", "/metrics", null).body())
        .contains("sluice_webhook_deliveries_total{result=\"dropped\"} 2.0")
        .contains("sluice_webhook_queue_depth 3.0");
  }

  @Test
  void aDamagedJournalLine_isSkipped_andTheRestIsRead() throws Exception {
    start(b -> {});
    f.hit("/search", "key-a", 10);
    Set<String> events = ids(attempts(2));
    f.gateway.close();
    Path journal = f.stateDir.resolve("webhooks.journal");
    List<String> lines = new ArrayList<>(Files.readAllLines(journal));
    assertThat(lines).hasSize(2);
    lines.add(1, "{\"op\":\"add\",\"id\":\"x\" this is not JSON");
    Files.write(journal, lines);
    Files.writeString(
        journal, "{\"op\":\"add\",\"id\":\"torn-", java.nio.file.StandardOpenOption.APPEND);

    f.restart(); // closes the closed gateway again (a no-op), then starts on the damaged journal
    assertThat(ids(attempts(2))).isEqualTo(events);
    assertThat(webhooks().getInteger("pending")).isEqualTo(2);
    assertThat(Files.readAllLines(journal))
        .as("rewritten with only what is live")
        .hasSize(2)
        .allMatch(l -> new JsonObject(l).getString("op").equals("add"));
  }

  @Test
  void badAdminInput_getsJsonErrors() throws Exception {
    start(b -> {});
    assertError(f.admin("GET", "/admin/webhooks/failed/not%20an%20id", null), 400, "BAD_ID");
    assertError(f.admin("GET", "/admin/webhooks/failed/" + "a".repeat(65), null), 400, "BAD_ID");
    assertError(f.admin("POST", "/admin/webhooks/failed/..%2F/resend", null), 400, "BAD_ID");
    assertError(
        f.admin("POST", "/admin/webhooks/failed/0b7e2c1e-unknown/resend", null),
        404,
        "NO_SUCH_EVENT");
    assertError(
        f.admin("DELETE", "/admin/webhooks/failed/0b7e2c1e-unknown", null), 404, "NO_SUCH_EVENT");
    assertError(
        f.admin("GET", "/admin/webhooks/failed/0b7e2c1e-unknown", null), 404, "NO_SUCH_EVENT");
    assertError(f.admin("GET", "/admin/webhooks/failed/abc/retry", null), 404, "NOT_FOUND");
    assertError(f.admin("GET", "/admin/webhooks/elsewhere", null), 404, "NOT_FOUND");
    assertError(
        f.admin("GET", "/admin/webhooks/failed/abc/resend", null), 405, "METHOD_NOT_ALLOWED");
    assertError(f.admin("PUT", "/admin/webhooks/failed/abc", null), 405, "METHOD_NOT_ALLOWED");
    assertError(f.admin("POST", "/admin/webhooks/failed", "{}"), 405, "METHOD_NOT_ALLOWED");
    HttpResponse<String> anonymous =
        f.send(
            HttpRequest.newBuilder(f.admin("/admin/webhooks/failed"))
                .method("GET", HttpRequest.BodyPublishers.noBody()));
    assertError(anonymous, 401, "UNAUTHORIZED");
  }

  static void assertError(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("json");
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isEqualTo(code);
  }
}
