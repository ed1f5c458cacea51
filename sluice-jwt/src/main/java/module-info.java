/**
 * Sluice's {@code jwt} key source: requests counted per claim of a verified JSON Web Token, so a
 * client cannot pick its own identity. Registered as a {@link
 * dev.sluice.core.policy.KeySourceProvider}; the policy reader finds it on the class path or module
 * path. See {@link dev.sluice.jwt.JwtKeySourceProvider}.
 */
module dev.sluice.jwt {
  requires transitive dev.sluice.core;
  requires com.nimbusds.jose.jwt;
  requires java.net.http;

  exports dev.sluice.jwt;

  provides dev.sluice.core.policy.KeySourceProvider with
      dev.sluice.jwt.JwtKeySourceProvider;
}
