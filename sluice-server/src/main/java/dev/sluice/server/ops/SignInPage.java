package dev.sluice.server.ops;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * The dashboard's sign-in form ({@code GET /dashboard/sign-in}): one password field posted to the
 * same address, no script at all, its style allowed by hash only.
 */
final class SignInPage {
  private static final String STYLE =
      "body{font:15px -apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;background:#f5f7fa;"
          + "color:#1f2933;display:flex;justify-content:center;padding-top:12vh;margin:0}"
          + "form{background:#fff;border:1px solid #e4e7eb;border-radius:8px;padding:28px 32px;"
          + "width:340px;box-shadow:0 1px 3px rgba(0,0,0,.06)}"
          + "h1{font-size:19px;margin:0 0 6px}p{color:#52606d;margin:0 0 18px;font-size:13px}"
          + "label{display:block;font-size:13px;margin-bottom:6px}"
          + "input{width:100%;box-sizing:border-box;padding:8px;border:1px solid #cbd2d9;"
          + "border-radius:4px;font:inherit}"
          + "button{margin-top:14px;width:100%;padding:9px;border:0;border-radius:4px;"
          + "background:#0f766e;color:#fff;font:inherit;cursor:pointer}"
          + ".note{color:#b42318;font-size:13px;margin:0 0 14px}";

  private final String csp =
      "default-src 'none'; style-src '"
          + Dashboard.sha256(STYLE)
          + "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

  void send(HttpServerResponse response, int status, String note) {
    String html =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>Sign in · Sluice</title><style>"
            + STYLE
            + "</style></head><body>"
            + "<form method=\"post\" action=\""
            + AdminAccess.SIGN_IN
            + "\"><h1>Sluice dashboard</h1>"
            + "<p>Sign in with the admin token or the read-only viewer token. The page only"
            + " reads; changes still need the admin token.</p>"
            + (note == null ? "" : "<div class=\"note\" id=\"note\">" + note + "</div>")
            + "<label for=\"token\">Token</label><input id=\"token\" name=\"token\""
            + " type=\"password\" autocomplete=\"current-password\" required autofocus><button"
            + " type=\"submit\">Sign in</button></form></body></html>";
    if (response.ended() || response.closed()) {
      return;
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Content-Security-Policy", csp)
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("X-Content-Type-Options", "nosniff")
        // Not no-referrer: a browser would then send "Origin: null" with the form, which the
        // sign-in refuses as it refuses any other site's; same-origin names this one, and only
        // to itself.
        .putHeader("Referrer-Policy", "same-origin")
        .end(Buffer.buffer(html.getBytes(StandardCharsets.UTF_8)));
  }
}
