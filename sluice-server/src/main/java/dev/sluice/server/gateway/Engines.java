package dev.sluice.server.gateway;

import dev.sluice.config.PolicyException;
import dev.sluice.config.PolicyFiles;
import dev.sluice.core.Sluice;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.store.Store;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Objects;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Window;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The engine in force, and its replacement when the policy file is reloaded. A reload builds a
 * new engine on the same store with the same identity secret, then swaps it in: requests already
 * deciding finish on the old one, the next ones use the new one. A rule whose limits did not
 * change keeps its buckets (the store binds groups by rule name and limits). A policy that does
 * not load is refused and the one in force stays.
 */
public final class Engines {
  private final Path policyFile;
  private final Store store;
  private final byte[] identitySecret;
  private volatile Sluice current;

  /**
   * Loads {@code policyFile} onto {@code store}.
   *
   * @param identitySecret 16 bytes shared by every instance on a shared store, or {@code null}
   *     for a random one (right for an in-memory store)
   * @throws PolicyException if the file does not hold a valid policy
   */
  public Engines(Path policyFile, Store store, byte[] identitySecret) {
    this.policyFile = Objects.requireNonNull(policyFile, "policyFile");
    this.store = Objects.requireNonNull(store, "store");
    if (identitySecret == null) {
      identitySecret = new byte[16];
      new SecureRandom().nextBytes(identitySecret);
    }
    this.identitySecret = identitySecret.clone();
    this.current = build(PolicyFiles.load(policyFile));
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
   * Reads the policy file again and puts it in force.
   *
   * @return the policy now in force
   * @throws PolicyException if the file does not hold a valid policy (the old one stays)
   */
  public synchronized Policy reload() {
    Sluice next = build(PolicyFiles.load(policyFile));
    current = next;
    return next.policy();
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
      probeGroup = g = store.group("sluice-readiness-probe",
          List.of(Limit.fixed("probe", 1, Window.of(Duration.ofSeconds(1)))));
    }
    try {
      return store.chargeAsync(new Charge(1).add(g, 0, 0)).handle((v, e) -> {
        if (e == null) {
          return store.toString();
        }
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
            ? e.getCause() : e;
        throw new IllegalStateException(cause.getMessage() != null ? cause.getMessage() : cause.toString(), cause);
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
    return Sluice.builder(policy).store(store).identitySecret(identitySecret).build();
  }
}
