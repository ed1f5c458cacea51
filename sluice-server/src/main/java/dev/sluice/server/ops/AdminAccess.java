package dev.sluice.server.ops;

import dev.sluice.core.Ticker;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;

/**
 * Who may do what under {@code /admin} and {@code /dashboard}, and the dashboard's sign-in.
 *
 * <p>Three credentials, each compared in constant time ({@link AdminToken}):
 *
 * <ul>
 *   <li>the <b>admin token</b> in {@code Authorization: Bearer}: everything;
 *   <li>the <b>viewer token</b> in {@code Authorization: Bearer}: reading only ({@code GET} and
 *       {@code HEAD}); a change is refused with 403;
 *   <li>the <b>session cookie</b> {@code sluice_session} ({@link Sessions}), which signing in with
 *       either token sets: reading only, whichever token signed in. A change always needs the admin
 *       token in a header, which a browser never adds by itself, so no page on another site can
 *       make one through a signed-in browser (and {@code SameSite=Lax} keeps the cookie off other
 *       sites' POSTs besides).
 * </ul>
 *
 * <p>Signing in: {@code GET /dashboard?token=...} (the link the banner prints) or {@code POST
 * /dashboard/sign-in} with {@code token=...} in a form body; either sets the cookie and answers 303
 * to {@code /dashboard}, so the token leaves the address bar at once. {@code POST
 * /dashboard/sign-out} ends the session. A browser without a live session that asks for the page is
 * sent to the sign-in form; any other request without a credential gets 401 in JSON.
 */
final class AdminAccess {
  static final String SIGN_IN = "/dashboard/sign-in";
  static final String SIGN_OUT = "/dashboard/sign-out";

  /** Who a request comes from. */
  enum Caller {
    ADMIN("admin"),
    VIEWER("viewer"),
    SESSION("session"),
    NONE("nobody");

    final String label;

    Caller(String label) {
      this.label = label;
    }
  }

  private final AdminToken admin;
  private final AdminToken viewer;
  private final Sessions sessions;
  private final SignInPage page = new SignInPage();

  AdminAccess(AdminToken admin, AdminToken viewer, Ticker clock, Duration sessionTtl) {
    this.admin = admin;
    this.viewer = viewer;
    this.sessions = new Sessions(clock, sessionTtl, 1_000);
  }

  AdminToken viewer() {
    return viewer;
  }

  /** Who {@code req} comes from: a header's token wins over a cookie. */
  Caller caller(HttpServerRequest req) {
    String authorization = req.getHeader("Authorization");
    if (authorization != null) {
      // Both compared, whatever the first says: the time taken does not tell which one matched.
      boolean isAdmin = admin.acceptsHeader(authorization);
      boolean isViewer = viewer != null && viewer.acceptsHeader(authorization);
      return isAdmin ? Caller.ADMIN : isViewer ? Caller.VIEWER : Caller.NONE;
    }
    Cookie c = req.getCookie(Sessions.COOKIE);
    return c != null && sessions.find(c.getValue()) != null ? Caller.SESSION : Caller.NONE;
  }

  static boolean isWrite(HttpServerRequest req) {
    return req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD;
  }

  /**
   * Lets {@code req} (a path under {@code /admin} or {@code /dashboard}) through, or answers it:
   * the sign-in and sign-out, 303 to the sign-in form, 401, or 403 for a change a reader tried
   * (which {@code audit} records).
   *
   * @return whether the caller may go on
   */
  boolean admit(HttpServerRequest req, AuditLog audit) {
    String path = req.path();
    if (path.equals(SIGN_IN)) {
      signIn(req);
      return false;
    }
    if (path.equals(SIGN_OUT)) {
      signOut(req);
      return false;
    }
    if (path.equals("/dashboard") && req.method() == HttpMethod.GET && req.query() != null) {
      String token;
      try {
        token = Identities.queryValue(req.query(), "token");
      } catch (BadInput e) { // escapes that are not UTF-8: no token of ours
        token = "";
      }
      if (token != null) {
        signInWith(req, token, true);
        return false;
      }
    }
    Caller caller = caller(req);
    boolean write = isWrite(req);
    if (caller == Caller.ADMIN || caller != Caller.NONE && !write) {
      return true;
    }
    if (caller == Caller.NONE) {
      // A browser sends no Authorization header by itself: one that came with a wrong token is
      // a client's mistake, answered in JSON; a browser without a session goes to the form.
      boolean page = path.equals("/dashboard") && !write && req.getHeader("Authorization") == null;
      if (page) {
        boolean stale = req.getCookie(Sessions.COOKIE) != null;
        if (stale) {
          clearCookie(req);
        }
        redirect(req.response(), SIGN_IN + (stale ? "?expired" : ""));
        return false;
      }
      req.response().putHeader("WWW-Authenticate", "Bearer realm=\"sluice-admin\"");
      Replies.error(
          req.response(),
          401,
          "UNAUTHORIZED",
          path
              + " needs a token: send Authorization: Bearer <token> (the admin token is"
              + " --admin-token, SLUICE_ADMIN_TOKEN, or the one printed at start-up; the viewer"
              + " token, --viewer-token, reads only), or sign in at "
              + SIGN_IN);
      return false;
    }
    String action = req.method().name() + " " + path;
    String why =
        caller == Caller.VIEWER
            ? "the viewer token reads only: "
                + action
                + " is a change, which needs the admin token (Authorization: Bearer <admin token>)"
            : "the sign-in cookie reads only: "
                + action
                + " is a change, which needs Authorization: Bearer <admin token> (so that no other"
                + " site can make one through your browser)";
    audit.record("refused", caller.label, null, null, action, why);
    Replies.error(req.response(), 403, "READ_ONLY", why);
    return false;
  }

  private void signIn(HttpServerRequest req) {
    if (req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD) {
      String query = req.query() == null ? "" : req.query();
      String note =
          query.contains("expired")
              ? "Your session has ended; sign in again."
              : query.contains("refused") ? "That token is not accepted." : null;
      page.send(req.response(), query.contains("refused") ? 401 : 200, note);
      return;
    }
    if (req.method() != HttpMethod.POST) {
      req.response().putHeader("Allow", "GET, POST");
      Replies.error(
          req.response(),
          405,
          "METHOD_NOT_ALLOWED",
          SIGN_IN + " takes GET (the form) or POST (token=...), not " + req.method().name());
      return;
    }
    if (!sameOrigin(req)) {
      Replies.error(
          req.response(),
          403,
          "CROSS_SITE",
          "a sign-in must come from the sign-in form of this server, not from "
              + req.getHeader("Origin"));
      return;
    }
    Replies.body(req)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                Replies.error(
                    req.response().putHeader("Connection", "close"),
                    413,
                    "BODY_TOO_LARGE",
                    "a sign-in form is a token, not " + Replies.MAX_BODY_BYTES + " bytes");
                return;
              }
              String token;
              try {
                token = Identities.queryValue(ar.result().toString(), "token");
              } catch (BadInput e) {
                token = null;
              }
              signInWith(req, token, false);
            });
  }

  /** Opens a session if {@code token} is the admin or viewer token; the browser goes on by 303. */
  private void signInWith(HttpServerRequest req, String token, boolean fromLink) {
    boolean isAdmin = token != null && admin.accepts(token);
    boolean isViewer = token != null && viewer != null && viewer.accepts(token);
    HttpServerResponse response = req.response().putHeader("Referrer-Policy", "no-referrer");
    if (!isAdmin && !isViewer) {
      if (fromLink) { // off the address bar: the wrong token must not stay there either
        redirect(response, SIGN_IN + "?refused");
      } else {
        page.send(response, 401, "That token is not accepted.");
      }
      return;
    }
    String id = sessions.create(isAdmin ? Sessions.Kind.ADMIN : Sessions.Kind.VIEWER);
    response.addCookie(
        Cookie.cookie(Sessions.COOKIE, id)
            .setPath("/")
            .setHttpOnly(true)
            .setSameSite(CookieSameSite.LAX)
            .setSecure(req.isSSL())
            .setMaxAge(sessions.ttlSeconds()));
    redirect(response, "/dashboard");
  }

  private void signOut(HttpServerRequest req) {
    if (req.method() != HttpMethod.POST) {
      req.response().putHeader("Allow", "POST");
      Replies.error(
          req.response(),
          405,
          "METHOD_NOT_ALLOWED",
          SIGN_OUT + " takes POST, not " + req.method().name());
      return;
    }
    Cookie c = req.getCookie(Sessions.COOKIE);
    if (c != null) {
      sessions.remove(c.getValue());
    }
    clearCookie(req);
    redirect(req.response(), SIGN_IN);
  }

  private static void clearCookie(HttpServerRequest req) {
    req.response()
        .addCookie(
            Cookie.cookie(Sessions.COOKIE, "")
                .setPath("/")
                .setHttpOnly(true)
                .setSameSite(CookieSameSite.LAX)
                .setSecure(req.isSSL())
                .setMaxAge(0));
  }

  /**
   * Whether a POST came from a page of this server: no {@code Origin} (not a browser's cross-site
   * request), or one naming this server's scheme and {@code Host}.
   */
  private static boolean sameOrigin(HttpServerRequest req) {
    String origin = req.getHeader("Origin");
    if (origin == null) {
      return true;
    }
    String host = req.getHeader("Host");
    return host != null && origin.equals((req.isSSL() ? "https://" : "http://") + host);
  }

  private static void redirect(HttpServerResponse response, String location) {
    if (response.ended() || response.closed()) {
      return;
    }
    response
        .setStatusCode(303)
        .putHeader("Location", location)
        .putHeader("Cache-Control", "no-store")
        .end();
  }
}
