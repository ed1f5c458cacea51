package dev.sluice.jwt;

import dev.sluice.core.Ticker;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.KeySourceProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code jwt} key source of a policy: requests counted per claim of a verified bearer token.
 *
 * <pre>{@code
 * key: [jwt, ip]                 # HS256, secret in $SLUICE_JWT_SECRET, per 'sub', else per IP
 * key: jwt:tenant                # per claim 'tenant'
 * key:
 *   source: jwt
 *   jwks: https://id.example.com/.well-known/jwks.json   # RS256/ES256 (or a file path)
 *   claim: sub                   # default sub
 *   issuer: https://id.example.com/      # optional: iss must be this
 *   audience: api.example.com    # optional: aud must contain this
 *   on-invalid: next             # next (default): a bad token counts as no token; reject: a 400
 * }</pre>
 *
 * {@code secret-env: NAME} names the environment variable holding an HS256 secret (default {@code
 * SLUICE_JWT_SECRET}, when no {@code jwks} is given); secrets never sit in the policy file.
 */
public final class JwtKeySourceProvider implements KeySourceProvider {
  /** Where an HS256 secret is looked for when the policy names no variable. */
  public static final String DEFAULT_SECRET_ENV = "SLUICE_JWT_SECRET";

  private static final Set<String> OPTIONS =
      new LinkedHashSet<>(
          List.of("claim", "secret-env", "jwks", "issuer", "audience", "on-invalid"));

  private final Ticker ticker;

  /**
   * The provider the policy reader finds: on the system clock, looked up at each read, so that
   * merely finding this provider (the policy reader makes every provider on the class path) does
   * not start {@link Ticker#system()}'s refresh thread in an app whose policy has no JWT key.
   */
  public JwtKeySourceProvider() {
    this(() -> Ticker.system().epochMicros());
  }

  JwtKeySourceProvider(Ticker ticker) {
    this.ticker = ticker;
  }

  @Override
  public String name() {
    return "jwt";
  }

  @Override
  public Set<String> options() {
    return OPTIONS;
  }

  @Override
  public KeySource.Custom create(
      String argument, Map<String, String> options, Function<String, String> environment) {
    String claim = options.getOrDefault("claim", argument != null ? argument : "sub");
    if (argument != null && options.containsKey("claim")) {
      throw new BadOption("claim", "the claim is given twice (jwt:" + argument + " and claim:)");
    }
    String onInvalid = options.getOrDefault("on-invalid", "next");
    if (!onInvalid.equals("next") && !onInvalid.equals("reject")) {
      throw new BadOption(
          "on-invalid",
          "on-invalid must be 'next' (a token that fails verification counts as no token) or"
              + " 'reject' (such a request is invalid, a 400), not '"
              + onInvalid
              + "'");
    }
    boolean reject = onInvalid.equals("reject");
    String issuer = options.get("issuer");
    String audience = options.get("audience");
    if (options.containsKey("jwks")) {
      if (options.containsKey("secret-env")) {
        throw new BadOption(
            "secret-env", "give either jwks: (RS256, ES256) or secret-env: (HS256), not both");
      }
      URI location = location(options.get("jwks"));
      try {
        return JwtKeySource.jwks(
            claim, new Jwks(location, ticker), issuer, audience, reject, ticker);
      } catch (IllegalArgumentException e) {
        throw new BadOption("jwks", e.getMessage());
      }
    }
    String variable = options.getOrDefault("secret-env", DEFAULT_SECRET_ENV);
    String secret = environment.apply(variable);
    if (secret == null || secret.isEmpty()) {
      throw new BadOption(
          "secret-env",
          "the jwt key verifies HS256 tokens with the secret in environment variable "
              + variable
              + ", which is not set; set it (openssl rand -hex 32), or verify RS256/ES256"
              + " tokens with jwks: URL");
    }
    try {
      return JwtKeySource.hmac(
          claim, secret.getBytes(StandardCharsets.UTF_8), issuer, audience, reject, ticker);
    } catch (IllegalArgumentException e) {
      throw new BadOption("secret-env", variable + ": " + e.getMessage());
    }
  }

  /** An {@code https://}, {@code http://} or {@code file:} URI, or a file path. */
  private static URI location(String text) {
    if (text.startsWith("https://") || text.startsWith("http://") || text.startsWith("file:")) {
      try {
        URI uri = new URI(text);
        if (uri.getScheme().startsWith("http") && uri.getHost() == null) {
          throw new BadOption("jwks", "'" + text + "' has no host");
        }
        return uri;
      } catch (URISyntaxException e) {
        throw new BadOption("jwks", "'" + text + "' is not a URL: " + e.getReason());
      }
    }
    if (text.contains("://")) {
      throw new BadOption(
          "jwks", "'" + text + "': a JWKS is read from an https:// or http:// URL, or a file");
    }
    try {
      return Path.of(text).toAbsolutePath().toUri();
    } catch (InvalidPathException e) {
      throw new BadOption("jwks", "'" + text + "' is not a file path: " + e.getReason());
    }
  }
}
