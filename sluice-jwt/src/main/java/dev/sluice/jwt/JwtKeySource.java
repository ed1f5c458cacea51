package dev.sluice.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.sluice.core.RequestView;
import dev.sluice.core.Ticker;
import dev.sluice.core.policy.KeySource;
import java.security.MessageDigest;
import java.text.ParseException;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Objects;

/**
 * The {@code jwt} key source: the identity is a claim ({@code sub} by default) of the bearer token,
 * once the token's signature and times check out. A client cannot mint such an identity: only the
 * issuer's key can sign one. What is checked, in order, each failure being "absent" (the chain's
 * next source) or "invalid" (a 400) as {@code on-invalid} says:
 *
 * <ol>
 *   <li>the token parses as a signed JWT (an unsigned {@code alg: none} token does not);
 *   <li>its algorithm is the one the source verifies with: HS256 for a shared secret, RS256 or
 *       ES256 for a JWKS (so a public key can never be used as an HMAC secret);
 *   <li>the signature verifies, with the secret or with the JWKS key its {@code kid} names;
 *   <li>{@code exp} and {@code nbf}, if present, hold now (60 s of clock skew allowed); {@code iss}
 *       and {@code aud} are what the policy says, if it says;
 *   <li>the claim is present.
 * </ol>
 *
 * Verified tokens are remembered briefly ({@link VerifiedTokens}), so a client's repeated token
 * costs one hash-map lookup after the first request.
 */
final class JwtKeySource implements KeySource.Custom {
  static final long SKEW_MICROS = 60_000_000L;
  static final long CACHE_TTL_MICROS = 60_000_000L;
  static final int CACHE_CAPACITY = 10_000;

  private final String claim;
  private final byte[] secret; // HS256, or null
  private final JWSVerifier macVerifier;
  private final Jwks jwks; // RS256/ES256, or null
  private final String issuer;
  private final String audience;
  private final boolean rejectInvalid;
  private final Ticker ticker;
  private final VerifiedTokens verified = new VerifiedTokens(CACHE_CAPACITY);

  private JwtKeySource(
      String claim,
      byte[] secret,
      Jwks jwks,
      String issuer,
      String audience,
      boolean rejectInvalid,
      Ticker ticker) {
    this.claim = Objects.requireNonNull(claim, "claim");
    this.secret = secret;
    this.jwks = jwks;
    this.issuer = issuer;
    this.audience = audience;
    this.rejectInvalid = rejectInvalid;
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    try {
      this.macVerifier = secret == null ? null : new MACVerifier(secret);
    } catch (JOSEException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** HS256 tokens, verified with {@code secret} (at least 32 bytes). */
  static JwtKeySource hmac(
      String claim,
      byte[] secret,
      String issuer,
      String audience,
      boolean rejectInvalid,
      Ticker ticker) {
    if (secret.length < 32) {
      throw new IllegalArgumentException(
          "an HS256 secret must be at least 32 bytes (256 bits), got "
              + secret.length
              + "; make one with: openssl rand -hex 32");
    }
    return new JwtKeySource(claim, secret.clone(), null, issuer, audience, rejectInvalid, ticker);
  }

  /** RS256 and ES256 tokens, verified with the keys of {@code jwks}. */
  static JwtKeySource jwks(
      String claim,
      Jwks jwks,
      String issuer,
      String audience,
      boolean rejectInvalid,
      Ticker ticker) {
    return new JwtKeySource(claim, null, jwks, issuer, audience, rejectInvalid, ticker);
  }

  /** The key set, for tests. */
  Jwks keySet() {
    return jwks;
  }

  @Override
  public String extract(RequestView request) {
    String auth = request.header("Authorization");
    if (auth == null || auth.length() <= 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = auth.substring(7).strip();
    if (token.isEmpty()) {
      return null;
    }
    long now = ticker.epochMicros();
    VerifiedTokens.Entry e = verified.get(token, now);
    if (e != null) {
      return e.identity();
    }
    return verify(token, now);
  }

  private String verify(String token, long now) {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      return invalid("is not a signed JWT");
    }
    JWSHeader header = jwt.getHeader();
    JWSAlgorithm alg = header.getAlgorithm();
    JWSVerifier verifier;
    if (macVerifier != null) {
      if (!JWSAlgorithm.HS256.equals(alg)) {
        return invalid("is signed with " + alg + ", not HS256");
      }
      verifier = macVerifier;
    } else {
      if (!JWSAlgorithm.RS256.equals(alg) && !JWSAlgorithm.ES256.equals(alg)) {
        return invalid("is signed with " + alg + ", not RS256 or ES256");
      }
      JWK key = jwks.key(header.getKeyID());
      if (key == null) {
        return invalid("is signed with a key the JWKS does not have");
      }
      if (key.getAlgorithm() != null && !key.getAlgorithm().equals(alg)) {
        return invalid("is signed with " + alg + ", which its key is not for");
      }
      try {
        if (JWSAlgorithm.RS256.equals(alg) && key instanceof RSAKey rsa) {
          verifier = new RSASSAVerifier(rsa);
        } else if (JWSAlgorithm.ES256.equals(alg) && key instanceof ECKey ec) {
          verifier = new ECDSAVerifier(ec);
        } else {
          return invalid("is signed with " + alg + ", which its key is not for");
        }
      } catch (JOSEException e) {
        return invalid("names an unusable key");
      }
    }
    try {
      if (!jwt.verify(verifier)) {
        return invalid("has a signature that does not verify");
      }
    } catch (JOSEException | IllegalStateException e) {
      return invalid("has a signature that does not verify");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      return invalid("has claims that are not a JSON object");
    }
    long nowMillis = now / 1000;
    Date exp = claims.getExpirationTime();
    if (exp != null && nowMillis - SKEW_MICROS / 1000 >= exp.getTime()) {
      return invalid("has expired");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && nowMillis + SKEW_MICROS / 1000 < nbf.getTime()) {
      return invalid("is not valid yet");
    }
    if (issuer != null && !issuer.equals(claims.getIssuer())) {
      return invalid("is from another issuer");
    }
    if (audience != null) {
      List<String> aud = claims.getAudience();
      if (aud == null || !aud.contains(audience)) {
        return invalid("is for another audience");
      }
    }
    Object value = claims.getClaim(claim);
    if (!(value instanceof String) && !(value instanceof Number)) {
      return invalid("has no claim '" + claim + "'");
    }
    String identity = value.toString();
    if (identity.isEmpty()) {
      return invalid("has an empty claim '" + claim + "'");
    }
    long until = now + CACHE_TTL_MICROS;
    if (exp != null) {
      until = Math.min(until, (exp.getTime() * 1000) + SKEW_MICROS);
    }
    verified.put(token, new VerifiedTokens.Entry(identity, until));
    return identity;
  }

  private String invalid(String problem) {
    if (rejectInvalid) {
      throw new KeySource.InvalidIdentity("its bearer token " + problem);
    }
    return null;
  }

  @Override
  public String describe() {
    return "JWT claim " + claim + (secret != null ? " (HS256)" : " (JWKS " + jwks + ")");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JwtKeySource j
        && j.claim.equals(claim)
        && MessageDigest.isEqual(
            j.secret == null ? new byte[0] : j.secret, secret == null ? new byte[0] : secret)
        && (j.secret == null) == (secret == null)
        && Objects.equals(String.valueOf(j.jwks), String.valueOf(jwks))
        && Objects.equals(j.issuer, issuer)
        && Objects.equals(j.audience, audience)
        && j.rejectInvalid == rejectInvalid;
  }

  @Override
  public int hashCode() {
    return Objects.hash(claim, String.valueOf(jwks), issuer, audience, rejectInvalid)
        + (secret == null ? 0 : Arrays.hashCode(secret));
  }

  @Override
  public String toString() {
    return describe();
  }
}
