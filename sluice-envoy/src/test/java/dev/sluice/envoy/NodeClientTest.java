package dev.sluice.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that is not ours: Node's {@code @grpc/grpc-js}, loading Envoy's protos (from the envoy
 * api jar) with {@code @grpc/proto-loader}, against the service on a real socket. Skipped where
 * {@code node} is absent; its modules come from {@code npm ci} in {@code src/test/node}, which
 * {@code .ci/run} does (and a CI run fails without them).
 */
class NodeClientTest {
  private static final Path NODE_DIR = Path.of("src", "test", "node");

  @TempDir Path protos;

  private static boolean nodePresent() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void grpcJsCountsDownGoesOverTheLimitWithTheBodyAndIsRefusedAMalformedRequest() throws Exception {
    assumeThat(nodePresent()).as("node is not installed: the Node client test is skipped").isTrue();
    boolean modules = Files.isDirectory(NODE_DIR.resolve("node_modules").resolve("@grpc"));
    if (!"true".equals(System.getenv("CI"))) {
      assumeThat(modules)
          .as("run 'npm ci --prefix sluice-envoy/src/test/node' for the Node client test")
          .isTrue();
    }
    assertThat(modules).as("npm ci --prefix sluice-envoy/src/test/node (.ci/run does)").isTrue();
    extractProtos();
    String yaml =
        "domain: node\ndescriptors:\n  - key: client\n"
            + "    rate_limit: {unit: minute, requests_per_unit: 2, name: two}\n";
    try (Rls rls = new Rls(yaml)) {
      Process node =
          new ProcessBuilder(
                  "node", "client.js", protos.toString(), "127.0.0.1:" + rls.server.port())
              .directory(NODE_DIR.toFile())
              .redirectErrorStream(true)
              .start();
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(node.exitValue()).as(out).isZero();
      List<String> lines = out.lines().toList();
      assertThat(lines).as(out).hasSize(4);
      assertThat(lines.get(0))
          .contains("\"overall_code\":\"OK\"")
          .contains("\"limit_remaining\":1")
          .contains("\"requests_per_unit\":2,\"unit\":\"MINUTE\",\"name\":\"two\"")
          .contains("\"duration_until_reset\":{\"seconds\":60,\"nanos\":0}");
      assertThat(lines.get(1))
          .contains("\"limit_remaining\":0")
          .contains("\"overall_code\":\"OK\"");
      assertThat(lines.get(2))
          .contains("\"overall_code\":\"OVER_LIMIT\"")
          .contains("{\"key\":\"Retry-After\",\"value\":\"60\"");
      // raw_body as Node sees it: the bytes of the detail body
      StringBuilder body = new StringBuilder();
      for (byte b :
          "{\"detail\": \"Rate limit exceeded\", \"retry_after\": 60}"
              .getBytes(StandardCharsets.UTF_8)) {
        body.append(body.length() == 0 ? "" : ",").append(b);
      }
      assertThat(lines.get(2))
          .contains("\"raw_body\":{\"type\":\"Buffer\",\"data\":[" + body + "]}");
      assertThat(lines.get(3)).isEqualTo("{\"error\":\"INVALID_ARGUMENT\"}");
    }
  }

  /** Envoy's .proto files, as the api jar ships them, into {@link #protos}. */
  private void extractProtos() throws Exception {
    Path jar =
        Path.of(
            RateLimitServiceGrpc.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (JarFile f = new JarFile(jar.toFile())) {
      for (Enumeration<JarEntry> e = f.entries(); e.hasMoreElements(); ) {
        JarEntry entry = e.nextElement();
        if (!entry.isDirectory() && entry.getName().endsWith(".proto")) {
          Path to = protos.resolve(entry.getName()).normalize();
          if (!to.startsWith(protos)) {
            continue;
          }
          Files.createDirectories(to.getParent());
          try (InputStream in = f.getInputStream(entry)) {
            Files.copy(in, to);
          }
        }
      }
    }
  }
}
