package dev.sluice.core;

import dev.sluice.core.http.CanonicalPath;
import dev.sluice.core.http.DenialBody;
import dev.sluice.core.http.ErrorBody;
import dev.sluice.core.http.Header;
import dev.sluice.core.http.HttpMethods;
import dev.sluice.core.http.InvalidRequestException;
import dev.sluice.core.http.RateLimitHeaders;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.Futures;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreUnavailableException;
import dev.sluice.core.store.Verdict;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The engine: decides, for each request, whether a {@link Policy} lets it pass, charging the {@link
 * Store} accordingly.
 *
 * <p>For a request it (1) finds every rule that applies: the global rules and each endpoint rule
 * whose route matches; (2) finds, per rule, who is counted and hashes that identity with the rule
 * into a bucket key (keyed SipHash-1-3: the raw API key, token or e-mail never reaches the store);
 * (3) works out each rule's cost; (4) charges all those buckets in one atomic store call; (5)
 * returns a {@link Decision}. Thread-safe; one instance serves every thread.
 *
 * <p>Before all that, the engine puts the request in its canonical form itself, whoever built the
 * view: the method through {@link HttpMethods} ({@code post} is POST; a non-standard method makes
 * the request invalid), the path through {@link CanonicalPath} ({@code /auth/./magic%2Dlink;x} is
 * {@code /auth/magic-link}; a path with an encoded slash makes it invalid), lower-cased if the
 * policy says {@code paths: case-insensitive}. A route naming GET also covers HEAD, unless a route
 * of the same path names HEAD itself. No front door can hand the engine a spelling that dodges a
 * rule: an invalid request is refused ({@link Decision.Outcome#INVALID}, a 400), never passed
 * uncounted.
 *
 * <pre>{@code
 * Sluice sluice = Sluice.builder(policy).store(InMemoryStore.create()).build();
 * Answer a = sluice.answer(sluice.decide(Request.builder("GET", "/assets").bearer(token).build()));
 * if (a instanceof Answer.Refuse no) {
 *   respond(no.status(), no.headers(), no.contentType(), no.body());
 * }
 * }</pre>
 *
 * <p>Where each job lives: this class is the public face and talks to the store; {@link
 * CompiledPolicy} turns a request into charges (routes, methods as {@link MethodBits}, identities,
 * {@link RequestCost}); {@link CompiledRule} holds a rule's groups, a tier's among them; {@link
 * LocalFallback} decides when the store fails; {@link UsageReader} reads an identity's usage;
 * {@link Preparation} and {@link ThreadSlots} are the per-thread buffers of the hot path.
 */
public final class Sluice {
  private final Policy policy;
  private final Store store;
  private final CompiledPolicy compiled;
  private final Overrides overrides;
  private final boolean trackIdentities;
  private final DecisionListener[] listeners;
  private final LocalFallback fallback;
  private final ThreadSlots preparations;

  private Sluice(Builder b) {
    this.policy = b.policy;
    this.store = b.store != null ? b.store : InMemoryStore.create();
    this.overrides = b.overrides != null ? b.overrides : new Overrides();
    this.trackIdentities = b.trackIdentities;
    this.listeners = b.listeners.toArray(new DecisionListener[0]);
    ByteBuffer secret = ByteBuffer.wrap(b.secret).order(ByteOrder.LITTLE_ENDIAN);
    this.compiled =
        new CompiledPolicy(
            policy, store, new SipHash(secret.getLong(), secret.getLong()), overrides);
    this.fallback = new LocalFallback(policy);
    this.preparations = new ThreadSlots(() -> new Preparation(compiled));
  }

  /** A builder for an engine enforcing {@code policy}. */
  public static Builder builder(Policy policy) {
    return new Builder(policy);
  }

  /** The policy this engine enforces. */
  public Policy policy() {
    return policy;
  }

  /** The store its buckets live in. */
  public Store store() {
    return store;
  }

  /**
   * Decides {@code request}, charging the store if it passes. On a store that {@linkplain
   * Store#blocks() blocks}, this waits for it: an event loop calls {@link #decideAsync} instead.
   */
  public Decision decide(RequestView request) {
    if (listeners.length == 0) {
      return decideNow(request, false);
    }
    long start = System.nanoTime();
    Decision d = decideNow(request, false);
    heard(d, start);
    return d;
  }

  private Decision decideNow(RequestView request, boolean dryRun) {
    // The synchronous path reuses this thread's buffers: the store is done with the charge when
    // it returns, and the decision keeps nothing of them.
    Preparation p = compiled.prepare(preparations.get().reset(request, dryRun));
    if (p.early != null) {
      return p.early;
    }
    Decision d;
    if (p.charge.size() == 0) {
      d = Decision.unlimited(0);
    } else {
      try {
        d = Decision.fromVerdict(store.charge(p.charge), null);
      } catch (StoreUnavailableException e) {
        d = fallback.decide(p.charge, e);
      }
    }
    if (p.shadow.size() == 0 && !trackIdentities) {
      return d;
    }
    return withShadow(d, p.charge, p.shadow, p.shadow.size() == 0 ? null : chargeShadow(p.shadow));
  }

  /**
   * {@link #decide}, without blocking the caller on a store that {@linkplain Store#blocks() may
   * block}. On a store that does not (the in-memory one), it decides at once, in the caller's
   * thread, as {@link #decide} does, and returns a completed stage: a front door may call this
   * whatever the store.
   */
  public CompletionStage<Decision> decideAsync(RequestView request) {
    if (!store.blocks()) {
      return CompletableFuture.completedFuture(decide(request));
    }
    if (listeners.length == 0) {
      return decideAsync(request, false);
    }
    long start = System.nanoTime();
    return decideAsync(request, false)
        .thenApply(
            d -> {
              heard(d, start);
              return d;
            });
  }

  /**
   * What {@link #decideAsync} would decide for {@code request} now, charging nothing: every bucket
   * is evaluated as a charge would be (a {@linkplain Charge#dryRun dry run}), so an allowed
   * decision says what would remain after the request, and the store is left as it was.
   */
  public CompletionStage<Decision> dryRunAsync(RequestView request) {
    if (!store.blocks()) {
      return CompletableFuture.completedFuture(decideNow(request, true));
    }
    return decideAsync(request, true);
  }

  private CompletionStage<Decision> decideAsync(RequestView request, boolean dryRun) {
    // A remote store holds the charge until it answers: it gets a preparation of its own.
    Preparation p = compiled.prepare(new Preparation(compiled).reset(request, dryRun));
    if (p.early != null) {
      return CompletableFuture.completedFuture(p.early);
    }
    Charge c = p.charge;
    CompletionStage<Decision> main =
        c.size() == 0 ? CompletableFuture.completedFuture(Decision.unlimited(0)) : chargeAsync(c);
    if (p.shadow.size() == 0) {
      return trackIdentities ? main.thenApply(d -> withShadow(d, c, p.shadow, null)) : main;
    }
    CompletionStage<Verdict> shadow;
    try {
      shadow = store.chargeAsync(p.shadow).exceptionally(e -> null);
    } catch (StoreUnavailableException e) {
      shadow = CompletableFuture.completedFuture(null);
    }
    return main.thenCombine(shadow, (d, v) -> withShadow(d, c, p.shadow, v));
  }

  private CompletionStage<Decision> chargeAsync(Charge c) {
    CompletionStage<Verdict> pending;
    try {
      pending = store.chargeAsync(c);
    } catch (StoreUnavailableException e) {
      return CompletableFuture.completedFuture(fallback.decide(c, e));
    }
    return pending.handle(
        (verdict, failure) -> {
          if (failure == null) {
            return Decision.fromVerdict(verdict, null);
          }
          if (Futures.cause(failure) instanceof StoreUnavailableException e) {
            return fallback.decide(c, e);
          }
          throw failure instanceof CompletionException ce ? ce : new CompletionException(failure);
        });
  }

  /** Tells every listener of {@code d}, decided since {@code start} ({@link System#nanoTime}). */
  private void heard(Decision d, long start) {
    long elapsed = System.nanoTime() - start;
    for (DecisionListener l : listeners) {
      try {
        l.onDecision(this, d, elapsed);
      } catch (RuntimeException e) { // a listener's bug never changes a decision
        ListenerFailures.log(l, e);
      }
    }
  }

  /**
   * What a front door answers for {@code decision}: {@link Answer.Pass} with the policy's
   * rate-limit headers when it is allowed (none when it is exempt), else {@link Answer.Refuse}: 429
   * with the policy's headers and denial body, 400 with an {@link ErrorBody} for a request the
   * policy cannot count, 503 for one the store cannot count now.
   */
  public Answer answer(Decision decision) {
    List<Header> headers = headers(decision);
    return switch (decision.outcome()) {
      case ALLOWED, UNLIMITED, ALLOWED_UNCOUNTED, EXEMPT -> new Answer.Pass(headers);
      case DENIED -> new Answer.Refuse(429, headers, denialContentType(), denialBody(decision));
      case INVALID ->
          new Answer.Refuse(
              400,
              headers,
              ErrorBody.CONTENT_TYPE,
              ErrorBody.of(ErrorBody.INVALID_REQUEST, decision.problem()));
      case UNAVAILABLE ->
          new Answer.Refuse(
              503,
              headers,
              ErrorBody.CONTENT_TYPE,
              ErrorBody.of(ErrorBody.RATE_LIMIT_UNAVAILABLE, decision.problem()));
    };
  }

  /** The shadow rules' verdict, or {@code null} if the store could not give one. */
  private Verdict chargeShadow(Charge shadow) {
    try {
      return store.charge(shadow);
    } catch (StoreUnavailableException e) {
      return null; // shadow rules only report: an outage of the store is reported elsewhere
    }
  }

  /** {@code d} with what the shadow rules found and, if tracked, who was counted. */
  private Decision withShadow(Decision d, Charge main, Charge shadow, Verdict shadowVerdict) {
    if (d.outcome() == Decision.Outcome.INVALID) {
      return d;
    }
    Verdict sv =
        shadowVerdict != null && shadowVerdict.kind() != Verdict.Kind.FULL ? shadowVerdict : null;
    return d.with(
        sv,
        trackIdentities ? main.fingerprints() : null,
        trackIdentities && sv != null ? shadow.fingerprints() : null);
  }

  /**
   * The fingerprint of an identity: the keyed hash (under this engine's identity secret) that
   * stands for an API key, token, e-mail or address wherever Sluice must name one without keeping
   * it (overrides, usage reports, webhooks). Rule-independent: the same value has the same
   * fingerprint on every rule, so one override covers an API key everywhere it is counted.
   */
  public long fingerprint(String identity) {
    return compiled.hasher.hash(identity);
  }

  /**
   * Where identity {@code fingerprint} stands on every rule that could count it: for each rule and
   * each key source of the rule (an identity may be counted as a bearer token by one rule and as an
   * API key header by another), the bucket's limits, read at cost 0 (nothing is charged). The
   * identity's override, if any, is applied. Buckets never used read as full.
   */
  public CompletionStage<List<Usage>> usage(long fingerprint) {
    return UsageReader.read(compiled, overrides, store, fingerprint);
  }

  /**
   * One bucket an identity may have.
   *
   * @param rule the rule
   * @param variant the identity's tier (or {@code custom-...}) on this rule, or {@code null}
   * @param source the key source the identity is counted as ({@code header X-Api-Key}, ...)
   * @param limits where the bucket's limits stand
   */
  public record Usage(String rule, String variant, String source, List<LimitStatus> limits) {}

  /** {@link #fingerprint} as people read it: 16 lowercase hex digits. */
  public static String fingerprintText(long fingerprint) {
    String hex = Long.toHexString(fingerprint);
    return "0".repeat(16 - hex.length()) + hex;
  }

  /**
   * Whether deciding a request with this method and path reads its body: some rule that applies
   * counts per a JSON body field or reads its cost from the body. A server reads (a bounded prefix
   * of) the body before {@link #decide} only when this says so, and streams it otherwise.
   */
  public boolean needsBody(String method, String path) {
    return compiled.needsBody(method, path);
  }

  /**
   * The canonical form of request path {@code rawPath} under this policy ({@link CanonicalPath},
   * lower-cased if the policy matches paths case-insensitively): what {@link #decide} matches.
   * Front doors call it to refuse an invalid path before reading a body; they need not, as {@code
   * decide} applies it anyway (to a canonical path, at the cost of one scan).
   *
   * @throws InvalidRequestException ({@code BAD_PATH}) if the path has no canonical form
   */
  public String canonicalPath(String rawPath) {
    return compiled.canonicalPath(rawPath);
  }

  /** The rate-limit headers for {@code decision}, in this policy's dialect. */
  public List<Header> headers(Decision decision) {
    return RateLimitHeaders.of(policy.headers(), policy.resetHeader(), decision);
  }

  /** The 429 body for {@code decision}, in this policy's format. */
  public String denialBody(Decision decision) {
    return DenialBody.of(policy.denial(), decision);
  }

  /** The {@code Content-Type} of {@link #denialBody}. */
  public String denialContentType() {
    return DenialBody.contentType(policy.denial());
  }

  /** The origin key of a client address (see {@link CompiledPolicy#origin}). */
  long origin(String clientAddress) {
    return compiled.origin(clientAddress);
  }

  /** Configures a {@link Sluice}. */
  public static final class Builder {
    private final Policy policy;
    private Store store;
    private byte[] secret;
    private Overrides overrides;
    private boolean trackIdentities;
    private final List<DecisionListener> listeners = new ArrayList<>();

    private Builder(Policy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      this.secret = new byte[16];
      new SecureRandom().nextBytes(secret);
    }

    /** Where buckets live (default: a new {@link InMemoryStore}). */
    public Builder store(Store store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * The 16-byte key of the identity hash (default: random per engine). Engines that share a store
     * must share the key, or they will count the same client in different buckets.
     */
    public Builder identitySecret(byte[] secret) {
      Objects.requireNonNull(secret, "secret");
      if (secret.length != 16) {
        throw new IllegalArgumentException(
            "the identity secret must be 16 bytes, got " + secret.length);
      }
      this.secret = secret.clone();
      return this;
    }

    /**
     * The per-identity overrides (tiers, own limits) this engine applies; engines that replace one
     * another on a policy reload share one table. Default: an empty table of its own.
     */
    public Builder overrides(Overrides overrides) {
      this.overrides = Objects.requireNonNull(overrides, "overrides");
      return this;
    }

    /**
     * Whether decisions say who was counted ({@link Decision#buckets()} with fingerprints), for
     * usage reports and webhooks. Costs a small copy per decision; off by default.
     */
    public Builder trackIdentities(boolean track) {
      this.trackIdentities = track;
      return this;
    }

    /**
     * Adds a listener that hears of every decision (metrics, usage, webhooks; see {@link
     * DecisionListener}), called in the order added. With none, the engine does not even read the
     * clock for them.
     */
    public Builder listener(DecisionListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** Adds every listener of {@code listeners}, in order. */
    public Builder listeners(List<? extends DecisionListener> listeners) {
      listeners.forEach(this::listener);
      return this;
    }

    /** The engine. */
    public Sluice build() {
      return new Sluice(this);
    }
  }
}
