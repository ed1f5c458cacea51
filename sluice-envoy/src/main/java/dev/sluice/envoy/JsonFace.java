package dev.sluice.envoy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * envoyproxy/ratelimit's HTTP face, {@code POST /json}: a {@code RateLimitRequest} in the proto's
 * JSON form, answered with the {@code RateLimitResponse} in the same form, 200 when it is {@code
 * OK} and 429 when it is {@code OVER_LIMIT}; 400 for a request that is not a valid one.
 * Transport-free: a server hands it the body and sends what it returns.
 */
public final class JsonFace {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer();

  private final EnvoyRateLimiter limiter;

  /** The face of {@code limiter}. */
  public JsonFace(EnvoyRateLimiter limiter) {
    this.limiter = limiter;
  }

  /**
   * An answer: its status, and a JSON body.
   *
   * @param status 200, 429, 400 or 500
   * @param body the response in the proto's JSON form, or {@code {"error": "..."}}
   */
  public record Reply(int status, String body) {}

  /** Answers the JSON request {@code body}. */
  public CompletionStage<Reply> answer(String body) {
    RateLimitRequest.Builder request = RateLimitRequest.newBuilder();
    try {
      PARSER.merge(body, request);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return CompletableFuture.completedFuture(
          error(400, "not a RateLimitRequest in JSON: " + e.getMessage()));
    }
    CompletionStage<RateLimitResponse> decided;
    try {
      decided = limiter.decide(request.build());
    } catch (EnvoyRateLimiter.InvalidRequest e) {
      return CompletableFuture.completedFuture(error(400, e.getMessage()));
    }
    return decided.handle(
        (r, failure) -> {
          if (failure != null) {
            Throwable t =
                failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure;
            return t instanceof EnvoyRateLimiter.InvalidRequest
                ? error(400, t.getMessage())
                : error(500, "the rate limit service failed");
          }
          try {
            return new Reply(
                r.getOverallCode() == RateLimitResponse.Code.OVER_LIMIT ? 429 : 200,
                PRINTER.print(r));
          } catch (InvalidProtocolBufferException e) {
            return error(500, "the response could not be written as JSON");
          }
        });
  }

  private static Reply error(int status, String message) {
    StringBuilder sb = new StringBuilder("{\"error\": \"");
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return new Reply(status, sb.append("\"}").toString());
  }
}
