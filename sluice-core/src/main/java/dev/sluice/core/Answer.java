package dev.sluice.core;

import dev.sluice.core.http.Header;
import java.util.List;

/**
 * What a front door does with a {@link Decision}: let the request through with the policy's
 * rate-limit headers added to whatever answers it, or answer it itself. Made by {@link
 * Sluice#answer}, so every front door (the gateway, {@code /v1/check}, a Servlet filter, an
 * embedder) maps outcomes to statuses, headers and bodies the same way.
 *
 * <pre>{@code
 * switch (sluice.answer(sluice.decide(request))) {
 *   case Answer.Pass pass -> forward(request, pass.headers());
 *   case Answer.Refuse no -> respond(no.status(), no.headers(), no.contentType(), no.body());
 * }
 * }</pre>
 *
 * (Pattern matching in {@code switch} needs Java 21; on 17, {@code instanceof} does the same.)
 */
public sealed interface Answer permits Answer.Pass, Answer.Refuse {

  /**
   * The rate-limit headers of the policy's dialect ({@code X-RateLimit-*} or {@code RateLimit-*},
   * and {@code Retry-After} on a refusal); empty when no limit applied.
   */
  List<Header> headers();

  /** Whether the request goes on to the application. */
  boolean passes();

  /**
   * Let the request through, and add {@code headers} to its response.
   *
   * @param headers the rate-limit headers, possibly empty
   */
  record Pass(List<Header> headers) implements Answer {
    public Pass {
      headers = List.copyOf(headers);
    }

    @Override
    public boolean passes() {
      return true;
    }
  }

  /**
   * Answer the request without passing it on.
   *
   * @param status 429 for a denial, 400 for a request the policy cannot count, 503 when the store
   *     cannot count it
   * @param headers the rate-limit headers (with {@code Retry-After} for a 429 or 503)
   * @param contentType the body's {@code Content-Type}
   * @param body the policy's denial body for a 429, else an {@link dev.sluice.core.http.ErrorBody}
   */
  record Refuse(int status, List<Header> headers, String contentType, String body)
      implements Answer {
    public Refuse {
      headers = List.copyOf(headers);
    }

    @Override
    public boolean passes() {
      return false;
    }
  }
}
