package dev.sluice.server.gateway;

import dev.sluice.core.Answer;
import dev.sluice.core.Decision;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.http.CanonicalPath;
import dev.sluice.core.http.Header;
import dev.sluice.core.http.HttpMethods;
import dev.sluice.core.http.InvalidRequestException;
import dev.sluice.core.http.JsonBody;
import dev.sluice.core.http.QueryString;
import dev.sluice.core.http.Seconds;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/check}: the decision service. A service in any language describes a request and
 * gets back what Sluice would do with it, charging the limits exactly as the proxy would:
 *
 * <pre>{@code
 * {"method": "POST", "path": "/auth/magic-link", "headers": {"Authorization": "Bearer ..."},
 *  "client_address": "203.0.113.7", "query": {"page": "2"}, "body": {"email": "a@b.example"},
 *  "cost": 1}
 * }</pre>
 *
 * Only {@code method} and {@code path} are required; {@code cost}, when given, replaces every
 * rule's own cost. {@code "dry_run": true} decides without charging: the answer is the one the
 * check would get (an allowed one says what would remain after it), and nothing is counted, neither
 * in the store nor in metrics, usage or webhooks. The caller needs a token ({@code Authorization:
 * Bearer}, the check token or the admin token) unless the operator opened the API. The answer is
 * {@code 200} with the decision, and carries the same rate-limit headers (and {@code Retry-After})
 * the proxy would send:
 *
 * <pre>{@code
 * {"allowed": false, "outcome": "denied", "status": 429, "retry_after": 60,
 *  "limits": [{"rule": "global", "name": "minute", "limit": 100, "remaining": 0,
 *              "reset": 1767225660, "passed": false}],
 *  "headers": {"X-RateLimit-Limit": "100", ..., "Retry-After": "60"},
 *  "response": {"content_type": "application/json", "body": "{\"detail\": ...}"}}
 * }</pre>
 *
 * {@code status} is what to answer the client (200, 429, 400 or 503); {@code response} is present
 * when it is not 200 and holds the exact body to send. A malformed check is a 400 whose JSON names
 * the field.
 */
final class CheckApi {
  static final int MAX_REQUEST_BYTES = 1 << 20;
  private static final Set<String> FIELDS =
      Set.of("method", "path", "headers", "client_address", "query", "body", "cost", "dry_run");

  private CheckApi() {}

  /** A check that cannot be read: becomes a 400 naming {@code field}. */
  static final class BadCheck extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String field;

    BadCheck(String field, String message) {
      super(message, null, false, false);
      this.field = field;
    }
  }

  /** A check read: the request it describes, and whether it is a dry run. */
  record Check(GatewayRequest request, boolean dryRun) {}

  /** Reads a check request into a view of the request it describes. */
  static GatewayRequest read(Buffer raw) {
    return parse(raw).request();
  }

  /** Reads a check request: the request it describes, and whether only to try it. */
  static Check parse(Buffer raw) {
    Object parsed;
    try {
      parsed = Json.decodeValue(raw);
    } catch (DecodeException e) {
      throw new BadCheck("", "the body is not valid JSON: " + firstLine(e.getMessage()));
    }
    // Read again by core's JSON reader, which refuses a key given twice (Jackson keeps the last):
    // the described body is then read exactly as the proxy reads a body.
    JsonBody whole;
    try {
      whole = JsonBody.parse(raw.getBytes());
    } catch (InvalidRequestException e) {
      throw new BadCheck("", e.getMessage());
    }
    if (!(parsed instanceof JsonObject in)) {
      throw new BadCheck(
          "",
          "the body must be a JSON object describing the request, e.g."
              + " {\"method\": \"GET\", \"path\": \"/assets\"}");
    }
    for (String name : in.fieldNames()) {
      if (!FIELDS.contains(name)) {
        throw new BadCheck(
            name,
            "unknown field '"
                + name
                + "'; the fields are "
                + String.join(", ", new java.util.TreeSet<>(FIELDS)));
      }
    }
    String method = HttpMethods.canonical(text(in, "method", true));
    if (method == null) {
      throw new BadCheck("method", HttpMethods.problem(in.getString("method")));
    }
    String target = text(in, "path", true);
    int q = target.indexOf('?');
    String path;
    try { // case kept: the engine folds it if its policy says so
      path = CanonicalPath.of(q < 0 ? target : target.substring(0, q));
    } catch (InvalidRequestException e) {
      throw new BadCheck("path", e.getMessage());
    }
    MultiMap headers = HttpHeaders.headers();
    JsonObject h = object(in, "headers");
    if (h != null) {
      for (Map.Entry<String, Object> e : h) {
        if (e.getValue() instanceof String s) {
          header(headers, e.getKey(), s);
        } else if (e.getValue() instanceof JsonArray a
            && a.stream().allMatch(String.class::isInstance)) {
          for (Object v : a) {
            header(headers, e.getKey(), (String) v);
          }
        } else {
          throw new BadCheck("headers." + e.getKey(), "header values must be strings");
        }
      }
    }
    MultiMap query = HttpHeaders.headers();
    if (q >= 0) {
      try {
        QueryString.forEach(target.substring(q + 1), query::add);
      } catch (IllegalArgumentException e) {
        throw new BadCheck("path", "the query string of 'path' has a broken %-encoding");
      }
    }
    JsonObject qo = object(in, "query");
    if (qo != null) {
      for (Map.Entry<String, Object> e : qo) {
        if (!(e.getValue() instanceof String || e.getValue() instanceof Number)) {
          throw new BadCheck("query." + e.getKey(), "query values must be strings");
        }
        query.add(e.getKey(), e.getValue().toString());
      }
    }
    String client = text(in, "client_address", false);
    if (client != null) {
      String canonical = dev.sluice.core.policy.IpRange.canonical(client);
      client = canonical != null ? canonical : client;
    }
    long cost = -1;
    if (in.containsKey("cost")) {
      Object c = in.getValue("cost");
      if (!(c instanceof Integer || c instanceof Long)
          || ((Number) c).longValue() < 0
          || ((Number) c).longValue() > dev.sluice.core.policy.Limit.MAX_PERMITS) {
        throw new BadCheck(
            "cost",
            "cost must be a whole number from 0 to " + dev.sluice.core.policy.Limit.MAX_PERMITS);
      }
      cost = ((Number) c).longValue();
    }
    Object dryRun = in.getValue("dry_run");
    if (dryRun != null && !(dryRun instanceof Boolean)) {
      throw new BadCheck("dry_run", "dry_run must be true or false");
    }
    JsonObject body = object(in, "body");
    GatewayRequest view =
        new GatewayRequest(method, path, headers::get, client, query::get, null, cost);
    // The described body as core read it with the whole check: numbers as written, as the proxy
    // reads a body's.
    return new Check(
        view.withJson(body != null ? whole.object("body") : JsonBody.none()),
        Boolean.TRUE.equals(dryRun));
  }

  /**
   * The decision service's answer for {@code d}: the decision as JSON, with what to answer the
   * client, which is {@code answer} (the engine's {@code answer(d)}).
   */
  static JsonObject answer(Decision d, Answer answer) {
    JsonArray limits = new JsonArray();
    for (LimitStatus s : d.limits()) {
      JsonObject limit = new JsonObject().put("rule", s.rule());
      if (s.variant() != null) {
        limit.put("tier", s.variant()); // a tier, or custom-... for an identity's own limits
      }
      limits.add(
          limit
              .put("name", s.limit().name())
              .put("limit", s.limit().capacity())
              .put("remaining", s.remaining())
              .put("reset", Seconds.ceil(s.resetAtMicros()))
              .put("passed", s.passed()));
    }
    JsonObject headers = new JsonObject();
    for (Header h : answer.headers()) {
      headers.put(h.name(), h.value());
    }
    Answer.Refuse refusal = answer instanceof Answer.Refuse r ? r : null;
    JsonObject out =
        new JsonObject()
            .put("allowed", d.allowed())
            .put("outcome", d.outcome().name().toLowerCase(Locale.ROOT))
            .put("status", refusal != null ? refusal.status() : 200)
            .put("retry_after", d.retryAfterSeconds())
            .put("limits", limits)
            .put("headers", headers);
    if (refusal != null) {
      out.put(
          "response",
          new JsonObject().put("content_type", refusal.contentType()).put("body", refusal.body()));
    }
    if (d.problem() != null) {
      out.put("problem", d.problem());
    }
    if (d.exemption() != null) {
      out.put("exemption", d.exemption());
    }
    if (d.storeFailure() != null) {
      out.put("store_failure", d.storeFailure());
    }
    return out;
  }

  /**
   * Adds header {@code name: value}, refusing what no HTTP request could carry: a name that is not
   * a token, a value with a control character (a CR or LF would split the header).
   */
  private static void header(MultiMap headers, String name, String value) {
    if (name.isEmpty() || !name.chars().allMatch(CheckApi::isTokenChar)) {
      throw new BadCheck(
          "headers." + name,
          "'"
              + name
              + "' is not a valid HTTP header name"
              + " (letters, digits and !#$%&'*+-.^_`|~, no spaces or control characters)");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new BadCheck(
            "headers." + name,
            "the value of header '"
                + name
                + "' holds a"
                + " control character (U+"
                + String.format("%04X", (int) c)
                + "); an HTTP header"
                + " value cannot");
      }
    }
    try {
      headers.add(name, value);
    } catch (IllegalArgumentException e) { // whatever else Vert.x refuses in a header
      throw new BadCheck(
          "headers." + name,
          "header '" + name + "' cannot be sent in an HTTP" + " request: " + e.getMessage());
    }
  }

  private static boolean isTokenChar(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  private static String text(JsonObject in, String field, boolean required) {
    Object v = in.getValue(field);
    if (v == null) {
      if (required) {
        throw new BadCheck(field, "'" + field + "' is required");
      }
      return null;
    }
    if (!(v instanceof String s) || s.isEmpty()) {
      throw new BadCheck(field, "'" + field + "' must be a non-empty string");
    }
    return s;
  }

  private static JsonObject object(JsonObject in, String field) {
    Object v = in.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject o)) {
      throw new BadCheck(field, "'" + field + "' must be a JSON object");
    }
    return o;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    // Jackson's words for itself are no help to a caller: "[Source: REDACTED (`StreamRead...`
    // disabled); line: 1, column: 9]" says line 1, column 9; "(1000, from `StreamRead...`)", 1000.
    return line.replaceAll(
            "\\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)]", "line $1, column $2")
        .replaceAll(", from `[^`]*`", "");
  }
}
