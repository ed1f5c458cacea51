package dev.sluice.spring.boot;

import dev.sluice.config.PolicyFiles;
import dev.sluice.config.PolicySummary;
import dev.sluice.core.DecisionListener;
import dev.sluice.core.Overrides;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.store.Store;
import dev.sluice.overrides.OverrideBook;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * The engine Sluice's filters decide with, and the policy it enforces, re-read from its file by
 * {@link #reload()} and enforced from the next request on. One bean per app; the Actuator endpoint
 * {@code sluice} is a view of it. Per-identity overrides (a tier, limits of its own, an expiry) are
 * set through {@link SluiceOverrides}.
 *
 * <pre>{@code
 * @Autowired SluiceEngine sluice;
 * sluice.usage("key_live_42");   // where an API key stands on every rule
 * }</pre>
 */
public final class SluiceEngine {
  private final ResourceLoader resources;
  private final String location;
  private final Store store;
  private final byte[] identitySecret;
  private final boolean shadow;
  private final int maxBodyBytes;
  private final Overrides overrides;
  private final List<DecisionListener> listeners = new CopyOnWriteArrayList<>();
  private final List<Runnable> policyWatchers = new CopyOnWriteArrayList<>();
  private volatile Sluice current;

  SluiceEngine(
      ResourceLoader resources,
      String location,
      Store store,
      byte[] identitySecret,
      boolean shadow,
      int maxBodyBytes,
      List<DecisionListener> listeners,
      Overrides overrides) {
    this.resources = resources;
    this.location = location;
    this.store = store;
    this.identitySecret = identitySecret.clone();
    this.shadow = shadow;
    this.maxBodyBytes = maxBodyBytes;
    this.listeners.addAll(listeners);
    this.overrides = overrides;
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
    policyWatchers.forEach(Runnable::run);
  }

  /** Runs {@code watcher} after every reload: stored overrides are read against the new policy. */
  void onPolicyChange(Runnable watcher) {
    policyWatchers.add(watcher);
  }

  /** The overrides table the engines decide with ({@link SluiceOverrides} fills it). */
  Overrides overrides() {
    return overrides;
  }

  /** The identity hash's key (a copy): fingerprints kept in a state directory are made under it. */
  byte[] identitySecret() {
    return identitySecret.clone();
  }

  /**
   * The fingerprint of {@code identity} in this engine: its raw value (an API key, token, e-mail,
   * user name) hashed, or a fingerprint written {@code fp:} and 16 hex digits.
   *
   * @throws dev.sluice.overrides.OverrideException if {@code identity} is empty
   */
  public long fingerprint(String identity) {
    return OverrideBook.fingerprint(identity, current);
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
