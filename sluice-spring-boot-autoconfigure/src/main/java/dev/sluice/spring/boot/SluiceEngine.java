package dev.sluice.spring.boot;

import dev.sluice.config.PolicyFiles;
import dev.sluice.config.PolicySummary;
import dev.sluice.core.DecisionListener;
import dev.sluice.core.KeyOverride;
import dev.sluice.core.Overrides;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * The engine Sluice's filters decide with, and what an app may change of it at runtime: the policy
 * (re-read from its file by {@link #reload()}) and per-identity overrides (a tier, or limits of its
 * own), applied on the next request. One bean per app; the Actuator endpoint {@code sluice} is a
 * view of it.
 *
 * <pre>{@code
 * @Autowired SluiceEngine sluice;
 * sluice.setOverride("key_live_42", KeyOverride.tier("pro"));   // an API key moves to a tier
 * }</pre>
 */
public final class SluiceEngine {
  private final ResourceLoader resources;
  private final String location;
  private final Store store;
  private final byte[] identitySecret;
  private final boolean shadow;
  private final int maxBodyBytes;
  private final Overrides overrides = new Overrides();
  private final List<DecisionListener> listeners = new CopyOnWriteArrayList<>();
  private volatile Sluice current;

  SluiceEngine(
      ResourceLoader resources,
      String location,
      Store store,
      byte[] identitySecret,
      boolean shadow,
      int maxBodyBytes,
      List<DecisionListener> listeners) {
    this.resources = resources;
    this.location = location;
    this.store = store;
    this.identitySecret = identitySecret.clone();
    this.shadow = shadow;
    this.maxBodyBytes = maxBodyBytes;
    this.listeners.addAll(listeners);
    this.current = build(load());
  }

  /** The engine in force now: the filters read it once per request. */
  public Sluice current() {
    return current;
  }

  /** The policy in force. */
  public Policy policy() {
    return current.policy();
  }

  /** Where the policy file is ({@code sluice.policy}). */
  public String policyLocation() {
    return location;
  }

  /** What the policy in force enforces, as {@code sluice check} prints it. */
  public String summary() {
    return PolicySummary.describe(current.policy());
  }

  /** Whether Sluice only reports, never refusing ({@code sluice.shadow}). */
  public boolean shadow() {
    return shadow;
  }

  /** The most of a body read for a body key ({@code sluice.max-body-bytes}). */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** The store the engine counts in. */
  public Store store() {
    return store;
  }

  /**
   * Reads the policy file again and enforces it from the next request on. Counts already made are
   * kept for the rules that keep their name and limits.
   *
   * @throws dev.sluice.config.PolicyException (the located error) if the file is now bad; the
   *     policy in force stays
   */
  public synchronized void reload() {
    current = build(load());
  }

  /** The fingerprint of {@code identity} (an API key, token, e-mail, user name) in this engine. */
  public long fingerprint(String identity) {
    return current.fingerprint(Objects.requireNonNull(identity, "identity"));
  }

  /**
   * Gives {@code identity} an override (a tier, limits of its own), wherever it is counted, from
   * the next request on; replaces any it had.
   *
   * @throws IllegalArgumentException if the override names a tier or rule the policy lacks
   */
  public void setOverride(String identity, KeyOverride override) {
    override.validate(current.policy());
    overrides.put(fingerprint(identity), override);
  }

  /** Removes {@code identity}'s override; whether it had one. */
  public boolean removeOverride(String identity) {
    return overrides.remove(fingerprint(identity)) != null;
  }

  /** {@code identity}'s override, or {@code null}. */
  public KeyOverride override(String identity) {
    return overrides.get(fingerprint(identity));
  }

  /** Where {@code identity} stands on every rule that could count it (charging nothing). */
  public CompletionStage<List<Sluice.Usage>> usage(String identity) {
    return current.usage(fingerprint(identity));
  }

  /** Adds a listener to this engine and those that reloads make. */
  synchronized void addListener(DecisionListener listener) {
    listeners.add(listener);
    current = build(current.policy());
  }

  private Sluice build(Policy policy) {
    return Sluice.builder(policy)
        .store(store)
        .identitySecret(identitySecret)
        .overrides(overrides)
        .listeners(listeners)
        .build();
  }

  private Policy load() {
    Resource resource = resources.getResource(location);
    try {
      if (resource.isFile()) { // as `sluice check` names it
        return PolicyFiles.load(Path.of(resource.getURI()));
      }
    } catch (IOException e) {
      // not a file after all: read as a stream below
    }
    if (!resource.exists()) {
      throw new IllegalStateException(
          "sluice.policy: no policy file at '"
              + location
              + "' ("
              + resource.getDescription()
              + ")");
    }
    String text;
    try (InputStream in = resource.getInputStream()) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("sluice.policy: cannot read '" + location + "': " + e, e);
    }
    return PolicyFiles.parse(text, location);
  }
}
