package dev.sluice.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.client.TestServer.Received;
import dev.sluice.client.TestServer.Reply;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResponseCacheTest {
  private final FakeSleeper sleeper = new FakeSleeper();
  private final Events events = new Events();
  private TestServer server;
  private RateLimitedClient client;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void serve(Function<Received, Reply> responder) throws Exception {
    server = TestServer.start(responder);
    client =
        RateLimitedClient.builder(RetryTest.HTTP)
            .cache(100, 1 << 20)
            .sleeper(sleeper)
            .listener(events)
            .build();
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), BodyHandlers.ofString());
  }

  /** An API whose /v1/info carries {@code cacheControl} and the ETag "v1", honouring it. */
  private void serveInfo(String cacheControl) throws Exception {
    serve(
        r ->
            "\"v1\"".equals(r.header("If-None-Match"))
                ? Reply.of(304).header("ETag", "\"v1\"").header("Cache-Control", cacheControl)
                : Reply.of(200)
                    .header("ETag", "\"v1\"")
                    .header("Cache-Control", cacheControl)
                    .body("{\"version\":\"1.2\"}"));
  }

  @Test
  void aFreshResponse_answersARepeatedRead_withoutARequest() throws Exception {
    serveInfo("max-age=60");

    get("/v1/info");
    sleeper.advance(Duration.ofSeconds(59));
    HttpResponse<String> again = get("/v1/info");

    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).isEqualTo("{\"version\":\"1.2\"}");
    assertThat(again.headers().firstValue("ETag")).contains("\"v1\"");
    assertThat(server.requests()).isEqualTo(1);
    assertThat(events.lines()).containsExactly("cache hit");
  }

  @Test
  void aStaleResponse_isRevalidated_andA304AnswersWithTheStoredBodyAsA200() throws Exception {
    serveInfo("max-age=60");

    get("/v1/info");
    sleeper.advance(Duration.ofSeconds(60));
    HttpResponse<String> revalidated = get("/v1/info");
    HttpResponse<String> freshAgain = get("/v1/info");

    assertThat(revalidated.statusCode()).isEqualTo(200);
    assertThat(revalidated.body()).isEqualTo("{\"version\":\"1.2\"}");
    assertThat(revalidated.request().headers().firstValue("If-None-Match"))
        .as("the caller's request, not the conditional one")
        .isEmpty();
    assertThat(server.received())
        .extracting(r -> r.header("If-None-Match"))
        .containsExactly(null, "\"v1\"");
    assertThat(freshAgain.body()).as("the 304 renewed max-age").isEqualTo("{\"version\":\"1.2\"}");
    assertThat(events.lines()).containsExactly("cache revalidated", "cache hit");
  }

  @Test
  void lastModified_isRevalidatedWithIfModifiedSince() throws Exception {
    String modified = "Wed, 21 Oct 2015 07:28:00 GMT";
    serve(
        r ->
            modified.equals(r.header("If-Modified-Since"))
                ? Reply.of(304)
                : Reply.of(200).header("Last-Modified", modified).body("blocks"));

    get("/v1/blocks");
    HttpResponse<String> second = get("/v1/blocks");

    assertThat(second.body()).isEqualTo("blocks");
    assertThat(server.received())
        .extracting(r -> r.header("If-Modified-Since"))
        .containsExactly(null, modified);
  }

  @Test
  void noCache_isStoredButRevalidatedOnEveryUse() throws Exception {
    serveInfo("no-cache");

    for (int i = 0; i < 3; i++) {
      assertThat(get("/v1/info").body()).isEqualTo("{\"version\":\"1.2\"}");
    }

    assertThat(server.received())
        .extracting(r -> r.header("If-None-Match"))
        .containsExactly(null, "\"v1\"", "\"v1\"");
  }

  @Test
  void noStore_isNeverStored() throws Exception {
    serveInfo("no-store");

    get("/v1/info");
    get("/v1/info");

    assertThat(server.received())
        .extracting(r -> r.header("If-None-Match"))
        .containsExactly(null, null);
  }

  @Test
  void aResponseThatVariesOnEverything_isNeverStored() throws Exception {
    serve(r -> Reply.of(200).header("Cache-Control", "max-age=60").header("Vary", "*"));

    get("/v1/info");
    get("/v1/info");

    assertThat(server.requests()).isEqualTo(2);
  }

  @Test
  void aRequestSayingNoStoreOrWithItsOwnConditions_bypassesTheCache() throws Exception {
    serveInfo("max-age=60");

    get("/v1/info");
    get("/v1/info", "Cache-Control", "no-store");
    get("/v1/info", "If-None-Match", "\"v0\"");

    assertThat(server.requests()).isEqualTo(3);
  }

  @Test
  void aRequestSayingNoCache_forcesRevalidation() throws Exception {
    serveInfo("max-age=60");

    get("/v1/info");
    get("/v1/info", "Cache-Control", "no-cache");

    assertThat(server.received())
        .extracting(r -> r.header("If-None-Match"))
        .containsExactly(null, "\"v1\"");
  }

  @Test
  void requestsWithDifferentCredentials_neverShareAnEntry() throws Exception {
    serve(
        r ->
            Reply.of(200)
                .header("Cache-Control", "private, max-age=60")
                .body("balance of " + r.header("X-API-Key")));

    assertThat(get("/v1/balance", "X-API-Key", "alice").body()).isEqualTo("balance of alice");
    assertThat(get("/v1/balance", "X-API-Key", "bob").body()).isEqualTo("balance of bob");
    assertThat(get("/v1/balance", "X-API-Key", "alice").body()).isEqualTo("balance of alice");
    assertThat(server.requests()).isEqualTo(2);
  }

  @Test
  void aChangedResource_replacesTheStoredOne() throws Exception {
    int[] version = {1};
    serve(
        r ->
            ("\"v" + version[0] + "\"").equals(r.header("If-None-Match"))
                ? Reply.of(304)
                : Reply.of(200).header("ETag", "\"v" + version[0] + "\"").body("v" + version[0]));

    get("/v1/info");
    version[0] = 2;
    assertThat(get("/v1/info").body()).isEqualTo("v2");
    assertThat(get("/v1/info").body()).isEqualTo("v2");

    assertThat(server.received())
        .extracting(r -> r.header("If-None-Match"))
        .containsExactly(null, "\"v1\"", "\"v2\"");
  }

  @Test
  void aSuccessfulPost_invalidatesTheStoredResponsesOfItsUri() throws Exception {
    serveInfo("max-age=60");
    get("/v1/info");

    client.send(
        HttpRequest.newBuilder(server.uri("/v1/info")).POST(BodyPublishers.ofString("{}")).build(),
        BodyHandlers.ofString());
    get("/v1/info");

    assertThat(server.received())
        .extracting(Received::method)
        .containsExactly("GET", "POST", "GET");
  }

  @Test
  void expiresMinusDate_givesTheFreshness() throws Exception {
    // Date is the real time of the JDK's server; Expires 30 s after it
    serve(
        r ->
            Reply.of(200)
                .header("Expires", TestServer.httpDate(Instant.now().plusSeconds(30)))
                .body("x"));

    get("/v1/info");
    sleeper.advance(Duration.ofSeconds(25));
    get("/v1/info");
    sleeper.advance(Duration.ofSeconds(10));
    get("/v1/info");

    assertThat(server.requests()).isEqualTo(2);
  }

  @Test
  void anAgeHeader_shortensTheFreshness() throws Exception {
    serve(r -> Reply.of(200).header("Cache-Control", "max-age=60").header("Age", "50").body("x"));

    get("/v1/info");
    sleeper.advance(Duration.ofSeconds(9));
    get("/v1/info");
    sleeper.advance(Duration.ofSeconds(1));
    get("/v1/info");

    assertThat(server.requests()).isEqualTo(2);
  }

  @Test
  void anyBodyHandler_getsTheStoredBody() throws Exception {
    serveInfo("max-age=60");
    get("/v1/info");
    HttpRequest request = HttpRequest.newBuilder(server.uri("/v1/info")).build();

    byte[] bytes = client.send(request, BodyHandlers.ofByteArray()).body();
    String streamed;
    try (InputStream in = client.send(request, BodyHandlers.ofInputStream()).body()) {
      streamed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String lines =
        client.send(request, BodyHandlers.ofLines()).body().collect(Collectors.joining("\n"));
    String async =
        client.sendAsync(request, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS).body();

    assertThat(List.of(new String(bytes, StandardCharsets.UTF_8), streamed, lines, async))
        .containsOnly("{\"version\":\"1.2\"}");
    assertThat(server.requests()).isEqualTo(1);
  }

  @Test
  void aRevalidatedBody_reachesAnAsyncCaller() throws Exception {
    serveInfo("no-cache");
    get("/v1/info");

    HttpResponse<String> r =
        client
            .sendAsync(
                HttpRequest.newBuilder(server.uri("/v1/info")).build(), BodyHandlers.ofString())
            .get(10, TimeUnit.SECONDS);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"version\":\"1.2\"}");
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
  }

  @Test
  void aBodyLargerThanTheCache_reachesTheCaller_butIsNotStored() throws Exception {
    String big = "x".repeat(5000);
    server = TestServer.start(r -> Reply.of(200).header("Cache-Control", "max-age=60").body(big));
    client = RateLimitedClient.builder(RetryTest.HTTP).cache(10, 1000).sleeper(sleeper).build();

    HttpRequest request = HttpRequest.newBuilder(server.uri("/big")).build();
    assertThat(client.send(request, BodyHandlers.ofString()).body()).isEqualTo(big);
    assertThat(client.send(request, BodyHandlers.ofString()).body()).isEqualTo(big);

    assertThat(server.requests()).isEqualTo(2);
  }

  @Test
  void entries_areEvictedLeastRecentlyUsedFirst_byCount() {
    ResponseCache cache = new ResponseCache(2, 1 << 20);
    cache.put("a", entry(10));
    cache.put("b", entry(10));
    cache.get("a");
    cache.put("c", entry(10));

    assertThat(cache.get("b")).isNull();
    assertThat(cache.get("a")).isNotNull();
    assertThat(cache.get("c")).isNotNull();
  }

  @Test
  void entries_areEvictedLeastRecentlyUsedFirst_byBytes() {
    ResponseCache cache = new ResponseCache(100, 250);
    cache.put("a", entry(100));
    cache.put("b", entry(100));
    cache.put("c", entry(100));

    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.bytes()).isEqualTo(200);
    assertThat(cache.get("a")).isNull();
    cache.put("huge", entry(251));
    assertThat(cache.get("huge")).as("larger than the whole cache").isNull();
    cache.put("b", entry(50));
    assertThat(cache.bytes()).as("replacing re-counts").isEqualTo(150);
  }

  private static ResponseCache.Entry entry(int bytes) {
    return new ResponseCache.Entry(
        new byte[0],
        HttpHeaders.of(java.util.Map.of(), (a, b) -> true),
        HttpClient.Version.HTTP_1_1,
        0,
        1,
        bytes);
  }
}
