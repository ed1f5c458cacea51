package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many clients in parallel on one key, through the proxy: exactly the limit is admitted. */
class ProxyConcurrencyTest {
  @TempDir Path dir;

  GatewayFixture f;

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void manyClientsOnOneKey_admitExactlyTheLimit() throws Exception {
    f =
        GatewayFixture.policy(
            dir,
            """
            global:
              key: header:X-Api-Key
              limits: [150/minute, 1000/hour]
            """,
            Instant.parse("2030-01-01T00:00:05Z"));
    int threads = 16;
    int perThread = 25;
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger limited = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    HttpResponse<String> r = f.get("/work", "X-Api-Key", "shared");
                    (r.statusCode() == 200 ? ok : r.statusCode() == 429 ? limited : other)
                        .incrementAndGet();
                  }
                }));
      }
      for (Future<?> d : done) {
        d.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(ok.get()).isEqualTo(150);
    assertThat(limited.get()).isEqualTo(threads * perThread - 150);
    assertThat(other.get()).isZero();
    assertThat(f.upstream.received).hasSize(150);
  }
}
