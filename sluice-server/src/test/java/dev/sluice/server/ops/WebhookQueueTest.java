package dev.sluice.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue and its journal, read back as a restart would: bounds, damage, compaction. */
class WebhookQueueTest {
  static final URI URL = URI.create("https://hooks.example.com/secret-path");

  @TempDir Path dir;
  final List<String> dropped = new ArrayList<>();

  WebhookQueue open(int capacity, int keepFailed) {
    WebhookQueue q =
        new WebhookQueue(
            capacity,
            keepFailed,
            new WebhookJournal(dir.resolve("state/webhooks.journal")),
            e -> dropped.add(e.id));
    q.load(1_000);
    return q;
  }

  static JsonObject event(String id) {
    return new JsonObject().put("id", id).put("type", "threshold.crossed").put("threshold", 80);
  }

  void add(WebhookQueue q, String id, long now) {
    q.add(id, URL, "SECRET", event(id), now);
  }

  @Test
  void whatWasQueued_failed_delivered_andResent_isReadBackAfterARestart() throws Exception {
    WebhookQueue q = open(10, 10);
    for (String id : List.of("a", "b", "c", "d")) {
      add(q, id, 100);
    }
    List<WebhookQueue.Entry> due = q.takeDue(100, 10);
    assertThat(due).extracting(e -> e.id).containsExactly("a", "b", "c", "d");
    q.delivered(due.get(0));
    q.fail(due.get(1), "HTTP 410", 410, 200);
    q.fail(due.get(2), "HTTP 503 (retried for 1 day)", 503, 300);
    q.retryAt(due.get(3), 5_000);
    assertThat(q.resend("c", 400)).isTrue();
    q.sync();
    q.close();

    WebhookQueue again = open(10, 10);
    assertThat(again.pending()).isEqualTo(2);
    assertThat(again.failedNewestFirst()).extracting(e -> e.id).containsExactly("b");
    WebhookQueue.Entry b = again.failed("b");
    assertThat(b.reason).isEqualTo("HTTP 410");
    assertThat(b.status).isEqualTo(410);
    assertThat(b.attempts).isEqualTo(1);
    List<WebhookQueue.Entry> dueAgain = again.takeDue(1_000, 10);
    assertThat(dueAgain)
        .as("every pending event is due at once after a restart")
        .extracting(e -> e.id)
        .containsExactlyInAnyOrder("c", "d");
    WebhookQueue.Entry c =
        dueAgain.stream().filter(e -> e.id.equals("c")).findFirst().orElseThrow();
    assertThat(c.createdMicros).as("re-sent: a new retry time from then").isEqualTo(400);
    assertThat(c.event).isEqualTo(event("c"));
    assertThat(c.url).isEqualTo(URL);
    assertThat(c.secretEnv).isEqualTo("SECRET");
  }

  @Test
  void aFullQueue_pushesOutItsOldest_intoTheFailedList_andTheFailedListForgetsItsOldest() {
    WebhookQueue q = open(2, 2);
    for (String id : List.of("a", "b", "c", "d", "e")) {
      add(q, id, 100);
    }
    assertThat(dropped).containsExactly("a", "b", "c");
    assertThat(q.pending()).isEqualTo(2);
    assertThat(q.takeDue(100, 10)).extracting(e -> e.id).containsExactly("d", "e");
    assertThat(q.failedNewestFirst()).extracting(e -> e.id).containsExactly("c", "b");
    assertThat(q.failed("c").reason).startsWith("dropped: 2 newer events were waiting");
  }

  @Test
  void damagedLines_areSkipped_andTheJournalIsRewrittenWithoutThem() throws Exception {
    WebhookQueue q = open(10, 10);
    add(q, "a", 100);
    add(q, "b", 100);
    q.sync();
    q.close();
    Path file = dir.resolve("state/webhooks.journal");
    Files.writeString(
        file,
        "not json\n"
            + "[1,2]\n"
            + "{\"op\":\"add\"}\n"
            + "{\"op\":\"warp\",\"id\":\"z\"}\n"
            + "{\"op\":\"add\",\"id\":\"q\",\"url\":\"https://h/\",\"secret_env\":\"S\",\"created\":\"x\",\"event\":{}}\n",
        StandardOpenOption.APPEND);
    Files.writeString(file, "{\"op\":\"delivered\",\"id\":\"a", StandardOpenOption.APPEND);

    WebhookJournal journal = new WebhookJournal(file);
    WebhookQueue again = new WebhookQueue(10, 10, journal, e -> {});
    assertThat(again.load(1_000)).as("six damaged lines, the torn last one included").isEqualTo(6);
    assertThat(again.takeDue(1_000, 10)).extracting(e -> e.id).containsExactly("a", "b");
    assertThat(Files.readAllLines(file)).hasSize(2);
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .as("events name receivers whose URLs may hold secrets")
          .isEqualTo("rw-------");
    }
  }

  @Test
  void aLongJournal_isCompactedToWhatIsLive() throws Exception {
    WebhookQueue q = open(10, 10);
    for (int i = 0; i < 1_500; i++) {
      add(q, "e" + i, 100);
      q.delivered(q.takeDue(100, 1).get(0));
      q.compactIfNeeded();
    }
    add(q, "kept", 100);
    q.sync();
    Path file = dir.resolve("state/webhooks.journal");
    assertThat(Files.readAllLines(file).size()).isLessThan(1_100);
    q.close();
    WebhookQueue again = open(10, 10);
    assertThat(again.takeDue(1_000, 10)).extracting(e -> e.id).containsExactly("kept");
  }

  @Test
  void withoutAJournal_theQueueWorksInMemory() {
    WebhookQueue q = new WebhookQueue(1, 1, null, e -> dropped.add(e.id));
    assertThat(q.load(0)).isZero();
    add(q, "a", 0);
    add(q, "b", 0);
    assertThat(dropped).containsExactly("a");
    assertThat(q.nextDueMicros()).isZero();
    assertThat(Files.exists(dir.resolve("state"))).isFalse();
  }
}
