package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The access log's writer: a disk that stops taking lines costs the requests nothing, the lines
 * beyond the queue are dropped and counted, and what is queued is written at close; a value cannot
 * break a line.
 */
class AccessLogWriterTest {
  private static AccessEntry entry(String path, String agent) {
    return new AccessEntry(
        1_796_680_000_000L,
        "203.0.113.7",
        "GET",
        path,
        "HTTP/1.1",
        200,
        12,
        4_000,
        1_250_000,
        1_300_000,
        null,
        null,
        agent,
        null);
  }

  /** An output that blocks its first write until released. */
  private static final class StuckDisk extends OutputStream {
    final CountDownLatch writing = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final ByteArrayOutputStream written = new ByteArrayOutputStream();

    @Override
    public void write(int b) {
      written.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      writing.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      written.write(b, off, len);
    }
  }

  @Test
  void aStuckDisk_dropsAndCountsWhatTheQueueCannotHold_andClosingWritesTheRest() throws Exception {
    StuckDisk disk = new StuckDisk();
    AccessLog log =
        new AccessLog(
            new AccessLineFormat(AccessLog.Format.COMBINED, AccessLog.Client.ADDRESS),
            disk,
            true,
            "a stuck disk");
    log.add(entry("/first", "a"));
    assertThat(disk.writing.await(30, TimeUnit.SECONDS)).isTrue(); // the writer is stuck in it
    for (int i = 0; i < AccessLog.QUEUE + 5; i++) {
      log.add(entry("/n" + i, "a")); // returns at once, stuck disk or not
    }
    assertThat(log.dropped()).isEqualTo(5);
    disk.release.countDown();
    log.close();
    String text = disk.written.toString(StandardCharsets.UTF_8);
    assertThat(text.split("\n")).hasSize(AccessLog.QUEUE + 1);
    assertThat(text).startsWith("203.0.113.7 - - [").contains("\"GET /first HTTP/1.1\"");
  }

  @Test
  void controlCharactersAndQuotes_areEscaped_soAValueCannotForgeALine() {
    StringBuilder combined = new StringBuilder();
    new AccessLineFormat(AccessLog.Format.COMBINED, AccessLog.Client.ADDRESS)
        .append(entry("/a\"b", "evil\n203.0.113.9 - - [x] \"GET /forged\\"), combined);
    assertThat(combined.toString().split("\n")).hasSize(1);
    assertThat(combined.toString())
        .contains("\"GET /a\\x22b HTTP/1.1\"")
        .contains("\"evil\\x0a203.0.113.9 - - [x] \\x22GET /forged\\x5c\"");
    StringBuilder json = new StringBuilder();
    new AccessLineFormat(AccessLog.Format.JSON, AccessLog.Client.ADDRESS)
        .append(entry("/a", "evil\n{\"forged\":1}"), json);
    assertThat(json.toString().split("\n")).hasSize(1);
    assertThat(new io.vertx.core.json.JsonObject(json.toString()).getJsonObject("headers"))
        .isEqualTo(new io.vertx.core.json.JsonObject().put("user-agent", "evil\n{\"forged\":1}"));
  }
}
