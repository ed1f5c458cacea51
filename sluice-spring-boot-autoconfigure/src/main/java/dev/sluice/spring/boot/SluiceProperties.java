package dev.sluice.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code sluice.*} properties. Limits are not written here: they are in a Sluice policy file,
 * the same one the gateway reads ({@code docs/policy-format.md}).
 *
 * <pre>
 * sluice.policy=classpath:sluice.yaml
 * sluice.store=memory            # or redis://host:6379 (with sluice-redis on the class path)
 * sluice.shadow=false            # true: decide and report, never refuse
 * </pre>
 */
@ConfigurationProperties(prefix = "sluice")
public class SluiceProperties {
  /** The default {@link #getFilterOrder()}: just after Spring Security's filter chain (-100). */
  public static final int DEFAULT_FILTER_ORDER = -90;

  /** Whether Sluice decides requests at all. */
  private boolean enabled = true;

  /**
   * Where the policy file is: a Spring resource location such as {@code classpath:sluice.yaml} or
   * {@code file:/etc/sluice/policy.yaml}. Required; a missing or bad file fails the app's start
   * with the located error {@code sluice check} prints.
   */
  private String policy;

  /**
   * Where the buckets live: {@code memory} (this instance's memory), or a Redis URI ({@code
   * redis://host:6379}, {@code rediss://...}, {@code redis-sentinel://...}, {@code
   * redis-cluster://...}) for instances that share their limits. Ignored when the app defines a
   * {@code dev.sluice.core.store.Store} bean.
   */
  private String store = "memory";

  /**
   * Decide every request and report it (metrics, the Actuator endpoint), but never refuse one and
   * add no rate-limit headers: for trying a policy on real traffic.
   */
  private boolean shadow = false;

  /**
   * The order of Sluice's Servlet filter or WebFlux WebFilter. The default runs it just after
   * Spring Security (whose filter chain is at -100), so that the {@code principal} key source sees
   * the authenticated user; a value below -100 runs it before authentication.
   */
  private int filterOrder = DEFAULT_FILTER_ORDER;

  /**
   * The most of a request body read to find a JSON body key ({@code key: body:email}); a larger
   * body on such an endpoint is answered 413, as by the gateway.
   */
  private int maxBodyBytes = 65536;

  /**
   * The key of the identity hash, 32 hex digits ({@code openssl rand -hex 16}). Instances sharing a
   * Redis store must share it, or they count one client in different buckets: required with Redis.
   * Default with the in-memory store: random per start.
   */
  private String identitySecret;

  /**
   * A directory where an app on the in-memory store keeps what must survive a restart, as the
   * gateway's {@code --state-dir}: the overrides ({@code overrides.json}) and, unless {@code
   * sluice.identity-secret} is set, the identity hash's key ({@code identity.key}), so an override
   * names the same client after a restart. Unset: overrides last as long as the process. Not used
   * with Redis, which keeps the overrides itself.
   */
  private String stateDir;

  /** Whether Sluice decides requests at all. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Sets {@link #isEnabled()}. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** The policy file's location. */
  public String getPolicy() {
    return policy;
  }

  /** Sets {@link #getPolicy()}. */
  public void setPolicy(String policy) {
    this.policy = policy;
  }

  /** {@code memory} or a Redis URI. */
  public String getStore() {
    return store;
  }

  /** Sets {@link #getStore()}. */
  public void setStore(String store) {
    this.store = store;
  }

  /** Whether Sluice only reports, never refusing. */
  public boolean isShadow() {
    return shadow;
  }

  /** Sets {@link #isShadow()}. */
  public void setShadow(boolean shadow) {
    this.shadow = shadow;
  }

  /** The filter's order. */
  public int getFilterOrder() {
    return filterOrder;
  }

  /** Sets {@link #getFilterOrder()}. */
  public void setFilterOrder(int filterOrder) {
    this.filterOrder = filterOrder;
  }

  /** The most of a body read for a body key. */
  public int getMaxBodyBytes() {
    return maxBodyBytes;
  }

  /** Sets {@link #getMaxBodyBytes()}. */
  public void setMaxBodyBytes(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The identity hash's key, as 32 hex digits, or {@code null}. */
  public String getIdentitySecret() {
    return identitySecret;
  }

  /** Sets {@link #getIdentitySecret()}. */
  public void setIdentitySecret(String identitySecret) {
    this.identitySecret = identitySecret;
  }

  /** The state directory, or {@code null}. */
  public String getStateDir() {
    return stateDir;
  }

  /** Sets {@link #getStateDir()}. */
  public void setStateDir(String stateDir) {
    this.stateDir = stateDir;
  }
}
