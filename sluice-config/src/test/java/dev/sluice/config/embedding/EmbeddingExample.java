package dev.sluice.config.embedding;

// begin:embedding
import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.config.PolicyFiles;
import dev.sluice.core.Answer;
import dev.sluice.core.Request;
import dev.sluice.core.Sluice;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;

class EmbeddingExample {
  static HttpServer serve(Path policyFile, int port) throws IOException {
    Sluice sluice = Sluice.builder(PolicyFiles.load(policyFile)).build();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext(
        "/",
        exchange -> {
          Request.Builder request =
              Request.builder(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath())
                  .clientAddress(exchange.getRemoteAddress().getAddress().getHostAddress())
                  .jsonBody(new String(exchange.getRequestBody().readNBytes(65_536), UTF_8));
          exchange
              .getRequestHeaders()
              .forEach((name, values) -> request.header(name, values.get(0)));

          Answer answer = sluice.answer(sluice.decide(request.build()));

          answer.headers().forEach(h -> exchange.getResponseHeaders().add(h.name(), h.value()));
          int status = 200; // what your application answers, when the request may pass
          String type = "application/json";
          String body = "{\"hello\": \"world\"}";
          if (answer instanceof Answer.Refuse no) { // 429, 400 or 503, as the gateway answers
            status = no.status();
            type = no.contentType();
            body = no.body();
          }
          byte[] bytes = body.getBytes(UTF_8);
          exchange.getResponseHeaders().set("Content-Type", type);
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.start();
    return server;
  }
}
// end:embedding
