package dev.sluice.spring.boot;

import dev.sluice.core.Answer;
import dev.sluice.core.Decision;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.ErrorBody;
import dev.sluice.core.http.Header;
import dev.sluice.core.http.InvalidRequestException;
import java.util.List;

/**
 * What Sluice's filters answer, alike for Servlet and WebFlux and as the gateway answers: the
 * engine's {@link Answer} for a decision, and the gateway's own error answers (a body too large, a
 * path with no canonical form, a decision that failed), always JSON, never a stack trace.
 */
final class Responses {
  private Responses() {}

  /** A refusal with the gateway's JSON error body. */
  static Answer.Refuse error(int status, String code, String message) {
    return new Answer.Refuse(
        status, List.of(), ErrorBody.CONTENT_TYPE, ErrorBody.of(code, message));
  }

  static Answer.Refuse badPath(InvalidRequestException e) {
    return error(400, e.code(), e.getMessage());
  }

  static Answer.Refuse tooLarge(int maxBodyBytes) {
    return error(
        413,
        "BODY_TOO_LARGE",
        "this endpoint counts requests per a field of the JSON body,"
            + " and bodies over "
            + maxBodyBytes
            + " bytes are not read");
  }

  static Answer.Refuse brokenBody() {
    return error(400, "BAD_BODY", "the request body could not be read");
  }

  static Answer.Refuse failed() {
    return error(500, "INTERNAL_ERROR", "the request could not be decided");
  }

  /**
   * What the filter does for {@code d}: the engine's answer, or in shadow mode a pass without
   * headers, whatever was decided.
   */
  static Answer answer(Sluice engine, Decision d, boolean shadow) {
    return shadow ? PASS_SILENTLY : engine.answer(d);
  }

  /** Shadow mode's answer to every request: through, and no headers. */
  static final Answer.Pass PASS_SILENTLY = new Answer.Pass(List.<Header>of());
}
