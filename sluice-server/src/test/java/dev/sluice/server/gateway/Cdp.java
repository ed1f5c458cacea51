package dev.sluice.server.gateway;

import dev.sluice.server.HeadlessChromium;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium driven over the Chrome DevTools Protocol (a WebSocket): navigate, read
 * where the browser ended up, what it evaluates and the cookies it holds (with their flags, as it
 * stored them), and take screenshots. Only what the dashboard's tests need.
 */
final class Cdp implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("DevTools listening on (ws://127\\.0\\.0\\.1:(\\d+)/\\S+)");

  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();

  private Cdp(Process process, WebSocket socket) {
    this.process = process;
    this.socket = socket;
  }

  /** Starts {@code chromium} headless on {@code about:blank}, its profile in {@code profile}. */
  static Cdp start(String chromium, Path profile) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(chromium);
    command.addAll(HeadlessChromium.FLAGS);
    command.addAll(
        List.of(
            "--window-size=1280,1000",
            "--hide-scrollbars",
            "--remote-debugging-port=0",
            "--remote-allow-origins=*",
            "--user-data-dir=" + profile,
            "about:blank"));
    Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // chromium ended
              }
            },
            "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    int port = -1;
    StringBuilder seen = new StringBuilder();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (port < 0) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        p.destroyForcibly();
        throw new AssertionError("chromium did not open its DevTools port: " + seen);
      }
      seen.append(line).append('\n');
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        port = Integer.parseInt(m.group(2));
      }
    }
    HttpClient http = HttpClient.newHttpClient();
    JsonArray targets =
        new JsonArray(
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    String pageUrl = null;
    for (int i = 0; i < targets.size(); i++) {
      JsonObject t = targets.getJsonObject(i);
      if ("page".equals(t.getString("type"))) {
        pageUrl = t.getString("webSocketDebuggerUrl");
        break;
      }
    }
    if (pageUrl == null) {
      p.destroyForcibly();
      throw new AssertionError("chromium shows no page: " + targets);
    }
    Cdp[] self = {null};
    StringBuilder partial = new StringBuilder();
    WebSocket ws =
        http.newWebSocketBuilder()
            .buildAsync(
                URI.create(pageUrl),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(
                      WebSocket webSocket, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                      JsonObject message = new JsonObject(partial.toString());
                      partial.setLength(0);
                      Integer id = message.getInteger("id");
                      CompletableFuture<JsonObject> f =
                          id == null ? null : self[0].pending.remove(id);
                      if (f != null) {
                        f.complete(message);
                      }
                    }
                    webSocket.request(1);
                    return null;
                  }
                })
            .get(30, TimeUnit.SECONDS);
    self[0] = new Cdp(p, ws);
    return self[0];
  }

  /** Calls {@code method}; its result, or an {@link AssertionError} with the browser's error. */
  JsonObject call(String method, JsonObject params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonObject> answer = new CompletableFuture<>();
    pending.put(id, answer);
    socket
        .sendText(
            new JsonObject().put("id", id).put("method", method).put("params", params).encode(),
            true)
        .get(30, TimeUnit.SECONDS);
    JsonObject message = answer.get(60, TimeUnit.SECONDS);
    if (message.containsKey("error")) {
      throw new AssertionError(method + " failed: " + message.getJsonObject("error"));
    }
    return message.getJsonObject("result");
  }

  /** Opens {@code url} in the page and waits until it has loaded (after any redirects). */
  void navigate(String url) throws Exception {
    call("Page.enable", new JsonObject());
    call("Network.enable", new JsonObject());
    call("Page.navigate", new JsonObject().put("url", url));
    OpsFixture.await(
        "the page to load", () -> "complete".equals(evalQuietly("document.readyState")));
  }

  /** What {@code expression} evaluates to in the page, as a string (null if undefined). */
  String eval(String expression) throws Exception {
    JsonObject r =
        call(
                "Runtime.evaluate",
                new JsonObject().put("expression", expression).put("returnByValue", true))
            .getJsonObject("result");
    Object v = r.getValue("value");
    return v == null ? null : String.valueOf(v);
  }

  /** What the promise {@code expression} gives, once settled, as a string. */
  String evalAsync(String expression) throws Exception {
    JsonObject r =
        call(
                "Runtime.evaluate",
                new JsonObject()
                    .put("expression", expression)
                    .put("returnByValue", true)
                    .put("awaitPromise", true))
            .getJsonObject("result");
    Object v = r.getValue("value");
    return v == null ? null : String.valueOf(v);
  }

  String evalQuietly(String expression) {
    try {
      return eval(expression);
    } catch (Exception | AssertionError e) {
      return null;
    }
  }

  /** The cookies the browser holds for {@code url}, with their flags. */
  JsonArray cookies(String url) throws Exception {
    return call("Network.getCookies", new JsonObject().put("urls", new JsonArray().add(url)))
        .getJsonArray("cookies");
  }

  /** A PNG of the page as it is. */
  byte[] screenshot() throws Exception {
    String data =
        call(
                "Page.captureScreenshot",
                new JsonObject().put("format", "png").put("captureBeyondViewport", true))
            .getString("data");
    return java.util.Base64.getDecoder().decode(data);
  }

  @Override
  public void close() {
    socket.abort();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
