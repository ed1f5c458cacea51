package dev.sluice.config.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The example of docs/embedding.md, run: the engine in a plain Java HTTP server, enforcing
 * examples/ipto.yaml over real sockets, answering as the gateway does.
 */
class EmbeddingExampleTest {
  private static final Path SOURCE =
      Path.of("src/test/java/dev/sluice/config/embedding/EmbeddingExample.java");
  private static final Path DOC = Path.of("../docs/embedding.md");

  private final HttpClient client = HttpClient.newHttpClient();
  private HttpServer server;
  private URI base;

  @BeforeEach
  void start() throws Exception {
    server = EmbeddingExample.serve(Path.of("../examples/ipto.yaml"), 0);
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return client.send(
        HttpRequest.newBuilder(base.resolve(path))
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theDocumentShowsExactlyTheCodeThatRuns() throws Exception {
    String source = Files.readString(SOURCE);
    String region =
        source.substring(
            source.indexOf("// begin:embedding\n") + "// begin:embedding\n".length(),
            source.indexOf("// end:embedding"));
    String doc = Files.readString(DOC);
    assertThat(doc).contains("```java\n" + region + "```\n");
  }

  @Test
  void anAllowedRequestGetsTheApplicationsAnswerWithTheLimitHeaders() throws Exception {
    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(base.resolve("/assets"))
                .header("Authorization", "Bearer t1")
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"hello\": \"world\"}");
    assertThat(r.headers().firstValue("X-RateLimit-Limit")).hasValue("100");
    assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue("99");
  }

  @Test
  void theFourthMagicLinkForOneMailboxIsA429WithTheDocumentsExactBody() throws Exception {
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> last = null;
    for (String spelling :
        List.of("a@example.com", "A@Example.com", "a+x@example.com", "a@example.com")) {
      last = post("/auth/magic-link", "{\"email\": \"" + spelling + "\"}");
      statuses.add(last.statusCode());
    }

    assertThat(statuses).containsExactly(200, 200, 200, 429);
    assertThat(last.body())
        .matches("\\{\"detail\": \"Rate limit exceeded\", \"retry_after\": \\d+}");
    assertThat(last.headers().firstValue("Content-Type")).hasValue("application/json");
    String retryAfter = last.headers().firstValue("Retry-After").orElseThrow();
    assertThat(last.body()).endsWith(": " + retryAfter + "}");
  }

  @Test
  void aRequestThePolicyCannotCountIsA400WithAJsonError() throws Exception {
    HttpResponse<String> r = post("/auth/magic-link", "{\"name\": \"no e-mail here\"}");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith("{\"error\":{\"code\":\"INVALID_REQUEST\"");
  }

  @Test
  void anEncodedSlashCannotWalkAroundARule() throws Exception {
    HttpResponse<String> r = post("/auth%2Fmagic-link", "{\"email\": \"a@example.com\"}");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("encoded slash");
  }
}
