package dev.sluice.spring.boot;

import dev.sluice.core.DecisionListener;
import dev.sluice.core.Overrides;
import dev.sluice.core.Ticker;
import dev.sluice.core.store.Store;
import dev.sluice.micrometer.DecisionMetrics;
import dev.sluice.overrides.FileOverrideStorage;
import dev.sluice.overrides.OverrideStorage;
import dev.sluice.overrides.SharedOverrideStorage;
import dev.sluice.overrides.StateDir;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.servlet.DispatcherType;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.Principal;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;

/**
 * Sluice in a Spring Boot app, configured by {@link SluiceProperties}: the engine ({@link
 * SluiceEngine}) enforcing the policy file {@code sluice.policy}, a Servlet filter or a WebFlux
 * WebFilter in front of the app, its decisions counted in the app's {@code MeterRegistry}, the
 * Actuator endpoint {@code sluice} ({@link SluiceEndpoint}), per-identity overrides ({@link
 * SluiceOverrides}) and a health contributor for the store. {@code sluice.enabled=false} turns all
 * of it off.
 */
@AutoConfiguration
@ConditionalOnProperty(
    prefix = "sluice",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
@EnableConfigurationProperties(SluiceProperties.class)
public class SluiceAutoConfiguration {

  /** For Spring. */
  public SluiceAutoConfiguration() {}

  /**
   * The store {@code sluice.store} names, unless the app defines one (a test's, on a manual clock).
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public Store sluiceStore(SluiceProperties properties, ObjectProvider<Ticker> clock) {
    return Stores.open(properties.getStore(), clock(clock));
  }

  /** The engine, enforcing the policy file. */
  @Bean
  @ConditionalOnMissingBean
  public SluiceEngine sluiceEngine(
      SluiceProperties properties,
      ResourceLoader resources,
      Store store,
      ObjectProvider<DecisionListener> listeners,
      ObjectProvider<Ticker> clock) {
    String location = properties.getPolicy();
    if (location == null || location.isBlank()) {
      throw new IllegalStateException(
          "sluice.policy is not set: name the policy file (sluice.policy=classpath:sluice.yaml),"
              + " or turn Sluice off (sluice.enabled=false)");
    }
    if (properties.getMaxBodyBytes() < 0) {
      throw new IllegalStateException("sluice.max-body-bytes must not be negative");
    }
    return new SluiceEngine(
        resources,
        location.trim(),
        store,
        identitySecret(properties.getIdentitySecret(), store, stateDir(properties, store)),
        properties.isShadow(),
        properties.getMaxBodyBytes(),
        listeners.orderedStream().toList(),
        new Overrides(clock(clock)));
  }

  /**
   * Per-identity overrides: in the store's shared map with a shared store (Redis), in {@code
   * sluice.state-dir} with the in-memory one, else in memory only.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public SluiceOverrides sluiceOverrides(
      SluiceEngine engine, SluiceProperties properties, ObjectProvider<Ticker> clock) {
    OverrideStorage storage;
    if (engine.store().shared().isPresent()) {
      storage = new SharedOverrideStorage(engine.store().shared().get().map("overrides"));
    } else {
      StateDir state = stateDir(properties, engine.store());
      storage =
          state == null
              ? OverrideStorage.none()
              : fileStorage(state.overridesFile(), engine.identitySecret());
    }
    return new SluiceOverrides(engine, storage, clock(clock));
  }

  private static OverrideStorage fileStorage(Path file, byte[] identitySecret) {
    try {
      return new FileOverrideStorage(file, identitySecret);
    } catch (UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
      throw new IllegalStateException("sluice.state-dir: " + e.getMessage(), e);
    }
  }

  /**
   * The app's clock if it defines one (a test's), else the system clock read on each decision: a
   * Servlet or WebFlux app decides far fewer requests a second than would make {@link
   * Ticker#system()}'s refresh thread (a thousand wake-ups a second, busy or idle) the cheaper
   * clock.
   */
  private static Ticker clock(ObjectProvider<Ticker> clock) {
    return clock.getIfUnique(Ticker::precise);
  }

  /** {@code sluice.state-dir}, opened, or {@code null}: unset, or a shared store. */
  private static StateDir stateDir(SluiceProperties properties, Store store) {
    String dir = properties.getStateDir();
    if (dir == null || dir.isBlank() || store.shared().isPresent()) {
      return null;
    }
    try {
      return StateDir.open(Path.of(dir.trim()));
    } catch (UncheckedIOException | java.nio.file.InvalidPathException e) {
      throw new IllegalStateException("sluice.state-dir: " + e.getMessage(), e);
    }
  }

  static byte[] identitySecret(String hex, Store store, StateDir state) {
    if ((hex == null || hex.isBlank()) && state != null) {
      try {
        return state.identityKey(); // kept, so stored overrides name the same clients
      } catch (UncheckedIOException | IllegalStateException e) {
        throw new IllegalStateException("sluice.state-dir: " + e.getMessage(), e);
      }
    }
    if (hex == null || hex.isBlank()) {
      if (store.blocks()) {
        throw new IllegalStateException(
            "sluice.identity-secret is required with a shared store: instances that share it must"
                + " share the identity hash's key, or they count one client in different buckets"
                + " (32 hex digits: openssl rand -hex 16)");
      }
      byte[] secret = new byte[16];
      new SecureRandom().nextBytes(secret);
      return secret;
    }
    String h = hex.trim();
    if (h.length() != 32 || !h.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      throw new IllegalStateException(
          "sluice.identity-secret must be 32 hex digits (16 bytes), got "
              + h.length()
              + " characters");
    }
    return HexFormat.of().parseHex(h);
  }

  static SluiceKeyResolver resolver(ObjectProvider<SluiceKeyResolver> resolvers) {
    return resolvers.getIfAvailable(() -> Principal::getName);
  }

  /** The Servlet filter. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = "jakarta.servlet.Filter")
  static class ServletFilter {
    @Bean
    @ConditionalOnMissingBean(name = "sluiceFilter")
    FilterRegistrationBean<SluiceServletFilter> sluiceFilter(
        SluiceEngine engine,
        SluiceProperties properties,
        ObjectProvider<SluiceKeyResolver> resolvers) {
      FilterRegistrationBean<SluiceServletFilter> registration =
          new FilterRegistrationBean<>(new SluiceServletFilter(engine, resolver(resolvers)));
      registration.setName("sluiceFilter");
      registration.setOrder(properties.getFilterOrder());
      registration.setDispatcherTypes(DispatcherType.REQUEST); // once per request, see the filter
      return registration;
    }
  }

  /** The WebFlux WebFilter. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  @ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
  static class ReactiveFilter {
    @Bean
    @ConditionalOnMissingBean(name = "sluiceWebFilter")
    SluiceWebFilter sluiceWebFilter(
        SluiceEngine engine,
        SluiceProperties properties,
        ObjectProvider<SluiceKeyResolver> resolvers) {
      return new SluiceWebFilter(engine, resolver(resolvers), properties.getFilterOrder());
    }
  }

  /** Decisions in the app's MeterRegistry, through sluice-micrometer's listener. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  static class Metrics {
    @Bean
    MeterBinder sluiceMeters(SluiceEngine engine) {
      return registry -> engine.addListener(new DecisionMetrics(registry));
    }
  }

  /** The Actuator endpoint {@code sluice}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
  static class Actuator {
    @Bean
    @ConditionalOnMissingBean
    SluiceEndpoint sluiceEndpoint(SluiceEngine engine, SluiceOverrides overrides) {
      return new SluiceEndpoint(engine, overrides);
    }
  }

  /** The store's health on Spring Boot 3 ({@code /actuator/health}'s "sluice"). */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.AbstractHealthIndicator")
  static class HealthOnBoot3 {
    @Bean
    @ConditionalOnMissingBean(name = "sluiceHealthIndicator")
    Boot3Health sluiceHealthIndicator(SluiceEngine engine) {
      return new Boot3Health(engine);
    }
  }

  /** The store's health on Spring Boot 4, whose health API moved. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.AbstractHealthIndicator")
  static class HealthOnBoot4 {
    @Bean
    @ConditionalOnMissingBean(name = "sluiceHealthIndicator")
    Boot4Health sluiceHealthIndicator(SluiceEngine engine) {
      return new Boot4Health(engine);
    }
  }
}
