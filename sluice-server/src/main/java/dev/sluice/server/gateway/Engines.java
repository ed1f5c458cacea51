package dev.sluice.server.gateway;

import dev.sluice.config.PolicyException;
import dev.sluice.config.PolicyFiles;
import dev.sluice.core.DecisionListener;
import dev.sluice.core.Overrides;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.Futures;
import dev.sluice.core.store.Store;
import dev.sluice.envoy.RatelimitConfig;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The engine in force, and its replacement when the policy file is reloaded. A reload builds a new
 * engine on the same store with the same identity secret, then swaps it in: requests already
 * deciding finish on the old one, the next ones use the new one. A rule whose limits did not change
 * keeps its buckets (the store binds groups by rule name and limits). A policy that does not load
 * is refused and the one in force stays.
 *
 * <p>Every engine applies the same per-identity {@link Overrides} table (so an override outlives a
 * reload) and tracks identities, so that decisions carry the fingerprints that usage reports and
 * webhooks name; and every engine tells the same {@linkplain #listen listeners} of its decisions
 * (the gateway's metrics, usage and webhooks, its store-failure log), so whatever decides, the
 * proxy, {@code /v1/check} or an embedder calling {@link #current()}, is counted alike.
 */
public final class Engines {
  private final Path policyFile;
  private final Store store;
  private volatile byte[] identitySecret;
  private final Overrides overrides;
  private List<DecisionListener> listeners = List.of();
  private volatile Sluice current;

  private volatile RatelimitConfig envoy; // the file's envoyproxy/ratelimit configuration, or null
  private volatile String policyHash; // of the file in force (PolicyHash)
  private final List<Consumer<RatelimitConfig>> envoyReloads = new CopyOnWriteArrayList<>();

  /**
   * Loads {@code policyFile} onto {@code store}.
   *
   * @param identitySecret 16 bytes shared by every instance on a shared store, or {@code null} for
   *     a random one (right for an in-memory store)
   * @throws PolicyException if the file does not hold a valid policy
   */
  public Engines(Path policyFile, Store store, byte[] identitySecret) {
    this(policyFile, store, identitySecret, new Overrides());
  }

  /**
   * Loads {@code policyFile} onto {@code store}, with the overrides in {@code overrides}.
   *
   * @param identitySecret 16 bytes shared by every instance on a shared store (and kept across
   *     restarts, so fingerprints and overrides stay valid), or {@code null} for a random one
   * @param overrides the per-identity overrides every engine applies, reloads included
   * @throws PolicyException if the file does not hold a valid policy
   */
  public Engines(Path policyFile, Store store, byte[] identitySecret, Overrides overrides) {
    this.overrides = Objects.requireNonNull(overrides, "overrides");
    this.policyFile = Objects.requireNonNull(policyFile, "policyFile");
    this.store = Objects.requireNonNull(store, "store");
    if (identitySecret == null) {
      identitySecret = new byte[16];
      new SecureRandom().nextBytes(identitySecret);
    }
    this.identitySecret = identitySecret.clone();
    RatelimitConfig[] envoy = {null};
    String[] hash = {null};
    this.current = build(load(envoy, hash));
    this.envoy = envoy[0];
    this.policyHash = hash[0];
  }

  /**
   * The policy in the file; for envoyproxy/ratelimit configuration (recognised by its content), its
   * {@link RatelimitConfig#gatewayPolicy()} (rules that count descriptors only, so the gateway
   * enforces nothing of them, and the tiers the admin API checks overrides against), the
   * configuration in {@code envoy[0]}.
   */
  private Policy load(RatelimitConfig[] envoy, String[] hash) {
    hash[0] = PolicyHash.of(policyFile);
    if (RatelimitConfig.recognises(policyFile)) {
      envoy[0] = RatelimitConfig.load(policyFile);
      return envoy[0].gatewayPolicy();
    }
    return PolicyFiles.load(policyFile);
  }

  /**
   * The envoyproxy/ratelimit configuration in force, or {@code null} when the file is a Sluice
   * policy.
   */
  public RatelimitConfig envoyConfig() {
    return envoy;
  }

  /**
   * Calls {@code reloaded} with the envoyproxy/ratelimit configuration each reload puts in force.
   */
  public void onEnvoyReload(Consumer<RatelimitConfig> reloaded) {
    envoyReloads.add(Objects.requireNonNull(reloaded, "reloaded"));
  }

  private volatile dev.sluice.envoy.JsonFace envoyJson;

  /** envoyproxy/ratelimit's {@code POST /json}, while the rate limit service runs, or null. */
  public dev.sluice.envoy.JsonFace envoyJson() {
    return envoyJson;
  }

  /** Serves {@code face} as {@code POST /json} on the admin port (null to stop). */
  public void envoyJson(dev.sluice.envoy.JsonFace face) {
    this.envoyJson = face;
  }

  /** The identity secret the engines hash with (a copy): for other front doors on the store. */
  public byte[] identitySecret() {
    return identitySecret.clone();
  }

  /** The engine in force. */
  public Sluice current() {
    return current;
  }

  /** The policy file. */
  public Path policyFile() {
    return policyFile;
  }

  /**
   * The policy file in force, as {@link PolicyHash} names it (12 hex digits of the SHA-256 of its
   * bytes as last loaded): instances showing the same hash run the same file.
   */
  public String policyHash() {
    return policyHash;
  }

  /**
   * Reads the policy file again and puts it in force.
   *
   * @return the policy now in force
   * @throws PolicyException if the file does not hold a valid policy (the old one stays)
   */
  public synchronized Policy reload() {
    return reload(p -> {});
  }

  /**
   * Reads the policy file again and, if {@code check} accepts it, puts it in force.
   *
   * @return the policy now in force
   * @throws PolicyException if the file does not hold a valid policy (the old one stays)
   * @throws IllegalArgumentException if {@code check} refuses it (the old one stays)
   */
  public synchronized Policy reload(Consumer<Policy> check) {
    RatelimitConfig[] nextEnvoy = {null};
    String[] hash = {null};
    Policy policy = load(nextEnvoy, hash);
    if ((nextEnvoy[0] == null) != (envoy == null)) {
      throw new IllegalArgumentException(
          envoy == null
              ? "the file is now envoyproxy/ratelimit configuration; a restart switches formats"
              : "the file is now a Sluice policy; a restart switches formats");
    }
    check.accept(policy);
    Sluice next = build(policy);
    current = next;
    policyHash = hash[0];
    if (nextEnvoy[0] != null) {
      envoy = nextEnvoy[0];
      envoyReloads.forEach(r -> r.accept(nextEnvoy[0]));
    }
    return next.policy();
  }

  /**
   * Puts in force an engine like the current one but hashing identities with {@code
   * identitySecret}: for an instance that adopts the secret the other instances on its store use.
   * Every client gets a new fingerprint, so the counts and overrides made under the old secret no
   * longer apply to anyone.
   */
  public synchronized void rekey(byte[] identitySecret) {
    if (identitySecret.length != 16) {
      throw new IllegalArgumentException(
          "the identity secret must be 16 bytes, got " + identitySecret.length);
    }
    this.identitySecret = identitySecret.clone();
    current = build(current.policy());
  }

  /**
   * Has every engine from now on tell {@code listeners} of its decisions, in place of the ones it
   * told before, and puts in force an engine like the current one that does. Its rules bind the
   * same buckets (the same store, secret and limits), so nothing counted is lost; a caller that
   * kept the engine it had from {@link #current()} keeps deciding without these listeners.
   *
   * <p>The gateway calls this as it starts, with its own listeners: they need the gateway's
   * registry and operations, which need an engine in force first.
   */
  public synchronized void listen(List<? extends DecisionListener> listeners) {
    this.listeners = List.copyOf(listeners);
    current = build(current.policy());
  }

  /** The listeners every engine tells of its decisions (the gateway's, once it has started). */
  public List<DecisionListener> listeners() {
    return listeners;
  }

  /** The overrides table every engine applies. */
  public Overrides overrides() {
    return overrides;
  }

  private volatile BucketGroup probeGroup;

  /**
   * Whether the store can decide now: a zero-cost read of a probe bucket, a real round trip on a
   * remote store (connection, script and all). Completes with the store's description, or fails
   * with why not.
   */
  public CompletionStage<String> probe() {
    BucketGroup g = probeGroup;
    if (g == null) {
      probeGroup =
          g =
              store.group(
                  dev.sluice.server.ops.TableStats.PROBE_GROUP,
                  List.of(Limit.fixed("probe", 1, Window.of(Duration.ofSeconds(1)))));
    }
    try {
      return store
          .chargeAsync(new Charge(1).add(g, 0, 0))
          .handle(
              (v, e) -> {
                if (e == null) {
                  return store.toString();
                }
                Throwable cause = Futures.cause(e);
                throw new IllegalStateException(
                    cause.getMessage() != null ? cause.getMessage() : cause.toString(), cause);
              });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The store. */
  public Store store() {
    return store;
  }

  private Sluice build(Policy policy) {
    return Sluice.builder(policy)
        .store(store)
        .identitySecret(identitySecret)
        .overrides(overrides)
        .trackIdentities(true)
        .listeners(listeners)
        .build();
  }
}
