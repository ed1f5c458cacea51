package dev.sluice.spring.boot;

import java.security.Principal;

/**
 * Who the policy's {@code principal} key source counts a request as, given the user the app
 * authenticated (Spring Security's {@code Authentication} is a {@link Principal}). Without a bean
 * of this type, it is {@link Principal#getName()}.
 *
 * <pre>{@code
 * @Bean
 * SluiceKeyResolver byTenant() {
 *   return p -> p instanceof JwtAuthenticationToken jwt ? jwt.getToken().getClaimAsString("tenant") : p.getName();
 * }
 * }</pre>
 */
@FunctionalInterface
public interface SluiceKeyResolver {

  /**
   * The identity to count the request as, or {@code null} for none (the rule's next key source is
   * tried: {@code key: [principal, ip]}).
   *
   * @param principal the authenticated user, never {@code null}
   */
  String resolve(Principal principal);
}
