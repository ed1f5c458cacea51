package dev.sluice.core;

import dev.sluice.core.http.CanonicalPath;
import dev.sluice.core.http.DenialBody;
import dev.sluice.core.http.ErrorBody;
import dev.sluice.core.http.Header;
import dev.sluice.core.http.HttpMethods;
import dev.sluice.core.http.InvalidRequestException;
import dev.sluice.core.http.RateLimitHeaders;
import dev.sluice.core.policy.Cost;
import dev.sluice.core.policy.IpRange;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.PathCase;
import dev.sluice.core.policy.PathTemplate;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.Futures;
import dev.sluice.core.store.GroupName;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreUnavailableException;
import dev.sluice.core.store.Verdict;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

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
 * Decision d = sluice.decide(Request.builder("GET", "/assets").bearer(token).build());
 * if (!d.allowed()) { respond(429, sluice.headers(d), sluice.denialBody(d)); }
 * }</pre>
 */
public final class Sluice {
  private final Policy policy;
  private final Store store;
  private final SipHash hasher;
  private final CompiledRule[] rules;
  private final long[] globalMask;
  private final Router router;
  private final int leafCount;
  private final int shadowRules;
  private final Overrides overrides;
  private final boolean trackIdentities;
  private final boolean foldCase;
  private final DecisionListener[] listeners;

  private Sluice(Builder b) {
    this.listeners = b.listeners.toArray(new DecisionListener[0]);
    this.policy = b.policy;
    this.store = b.store != null ? b.store : InMemoryStore.create();
    this.overrides = b.overrides != null ? b.overrides : new Overrides();
    this.trackIdentities = b.trackIdentities;
    this.foldCase = policy.pathCase() == PathCase.INSENSITIVE;
    this.shadowRules = (int) policy.rules().stream().filter(Rule::shadow).count();
    ByteBuffer secret = ByteBuffer.wrap(b.secret).order(ByteOrder.LITTLE_ENDIAN);
    this.hasher = new SipHash(secret.getLong(), secret.getLong());
    List<KeySource> leaves = new ArrayList<>();
    this.rules = new CompiledRule[policy.rules().size()];
    this.globalMask = new long[(rules.length + 63) / 64];
    this.router = new Router();
    Set<PathTemplate> headRoutes = new HashSet<>(); // paths some route names HEAD for
    for (Rule r : policy.rules()) {
      if (r.route() != null && r.route().methods().contains("HEAD")) {
        headRoutes.add(r.route().path());
      }
    }
    for (int i = 0; i < rules.length; i++) {
      Rule r = policy.rules().get(i);
      List<KeySource> chain =
          r.key() instanceof KeySource.FirstOf f ? f.sources() : List.of(r.key());
      int[] chainIdx = new int[chain.size()];
      for (int j = 0; j < chainIdx.length; j++) {
        int idx = leaves.indexOf(chain.get(j));
        if (idx < 0) {
          idx = leaves.size();
          leaves.add(chain.get(j));
        }
        chainIdx[j] = idx;
      }
      boolean headAsGet = r.route() != null && !headRoutes.contains(r.route().path());
      rules[i] =
          new CompiledRule(
              r, store.group(r.name(), r.limits()), stableHash(r.name()), chainIdx, headAsGet);
      if (r.isGlobal()) {
        globalMask[i >>> 6] |= 1L << i;
      } else {
        router.add(r.route().path(), i, foldCase);
      }
    }
    this.leaves = leaves.toArray(new KeySource[0]);
    this.leafTweaks = new long[this.leaves.length];
    for (int i = 0; i < this.leaves.length; i++) {
      leafTweaks[i] = stableHash(this.leaves[i].describe());
    }
    this.leafCount = this.leaves.length;
  }

  private final KeySource[] leaves;
  private final long[] leafTweaks;
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(() -> new Scratch(this));

  /**
   * A first place to look for this thread's scratch before the thread-local map: slot {@code
   * threadId % 64}, claimed once by the first thread that finds it empty and never rewritten, so a
   * server's few event-loop threads each find theirs with one array read, and threads that share a
   * slot fall back to {@link #scratch} without fighting over it. (Thread ids are unique among live
   * threads, so a slot serves one live thread at most; it holds the id, not the thread. Slots are
   * never freed: where threads come and go, later ones use the thread-local.)
   */
  private final Scratch[] scratchSlots = new Scratch[64];

  private Scratch scratch() {
    long id = Thread.currentThread().getId();
    Scratch[] slots = scratchSlots;
    int i = (int) id & (slots.length - 1);
    Scratch s = slots[i];
    if (s != null && s.threadId == id) {
      return s;
    }
    s = scratch.get();
    if (slots[i] == null) { // a benign race: two threads may both claim it; the last one keeps it
      slots[i] = s;
    }
    return s;
  }

  /**
   * A thread's reusable buffers for {@link #decide}; also its charges' {@link Charge#origin}: the
   * request's client address, hashed only if the store meets a new identity.
   */
  private static final class Scratch implements LongSupplier {
    final long threadId = Thread.currentThread().getId();
    final Sluice engine;
    RequestView request;
    final Charge charge;
    final Charge shadow;
    final long[] matched;
    final long[] leafHash;

    /**
     * Per key source: {@code generation} if resolved in this decision and present, {@code
     * -generation} if absent, anything else if not looked at yet. A generation per decision instead
     * of clearing the array each time.
     */
    final int[] leafState;

    int generation;

    Scratch(Sluice engine) {
      this.engine = engine;
      charge = new Charge(engine.rules.length).origin(this);
      shadow = new Charge(engine.shadowRules).origin(this);
      matched = new long[engine.globalMask.length];
      leafHash = new long[engine.leafCount];
      leafState = new int[engine.leafCount];
    }

    @Override
    public long getAsLong() {
      return engine.origin(request.clientAddress());
    }
  }

  /** Mixed into an origin's hash, so it never equals an identity's fingerprint. */
  private static final long ORIGIN_TWEAK = 0x6f726967696e0001L;

  /**
   * The origin key of a client address: its keyed hash, IPv6 addresses by their /64 (one host's
   * share of addresses, so a client cannot be a new origin per request); 0 for no address.
   */
  long origin(String clientAddress) {
    if (clientAddress == null || clientAddress.isEmpty()) {
      return 0;
    }
    long h = hasher.hash(Origins.prefix(clientAddress)) ^ ORIGIN_TWEAK;
    return h != 0 ? h : 1;
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
      return decideNow(request);
    }
    long start = System.nanoTime();
    Decision d = decideNow(request);
    heard(d, start);
    return d;
  }

  private Decision decideNow(RequestView request) {
    // The synchronous path reuses this thread's buffers: the store is done with the charge when
    // it returns, and the decision keeps nothing of them.
    Scratch s = scratch();
    Object p = prepare(request, s.charge.clear(), s.shadow.clear(), s);
    if (!(p instanceof Charge c)) {
      return (Decision) p;
    }
    Decision d;
    if (c.size() == 0) {
      d = Decision.unlimited(0);
    } else {
      try {
        d = toDecision(store.charge(c));
      } catch (StoreUnavailableException e) {
        d = whenStoreFails(c, e);
      }
    }
    if (s.shadow.size() == 0 && !trackIdentities) {
      return d;
    }
    return withShadow(d, c, s.shadow, s.shadow.size() == 0 ? null : chargeShadow(s.shadow));
  }

  /** {@link #decide}, without blocking the caller on a remote store. */
  public CompletionStage<Decision> decideAsync(RequestView request) {
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
   * rate-limit headers when it is allowed, else {@link Answer.Refuse}: 429 with the policy's
   * headers and denial body, 400 with an {@link ErrorBody} for a request the policy cannot count,
   * 503 for one the store cannot count now.
   */
  public Answer answer(Decision decision) {
    List<Header> headers = headers(decision);
    return switch (decision.outcome()) {
      case ALLOWED, UNLIMITED, ALLOWED_UNCOUNTED -> new Answer.Pass(headers);
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

  /**
   * What {@link #decideAsync} would decide for {@code request} now, charging nothing: every bucket
   * is evaluated as a charge would be (a {@linkplain Charge#dryRun dry run}), so an allowed
   * decision says what would remain after the request, and the store is left as it was.
   */
  public CompletionStage<Decision> dryRunAsync(RequestView request) {
    return decideAsync(request, true);
  }

  private CompletionStage<Decision> decideAsync(RequestView request, boolean dryRun) {
    // A remote store holds the charge until it answers: it gets a charge of its own.
    Scratch s = new Scratch(this);
    s.charge.dryRun(dryRun);
    s.shadow.dryRun(dryRun);
    Object p = prepare(request, s.charge, s.shadow, s);
    if (!(p instanceof Charge c)) {
      return CompletableFuture.completedFuture((Decision) p);
    }
    CompletionStage<Decision> main =
        c.size() == 0 ? CompletableFuture.completedFuture(Decision.unlimited(0)) : chargeAsync(c);
    if (s.shadow.size() == 0) {
      return trackIdentities ? main.thenApply(d -> withShadow(d, c, s.shadow, null)) : main;
    }
    CompletionStage<Verdict> shadow;
    try {
      shadow = store.chargeAsync(s.shadow).exceptionally(e -> null);
    } catch (StoreUnavailableException e) {
      shadow = CompletableFuture.completedFuture(null);
    }
    return main.thenCombine(shadow, (d, v) -> withShadow(d, c, s.shadow, v));
  }

  private CompletionStage<Decision> chargeAsync(Charge c) {
    CompletionStage<Verdict> pending;
    try {
      pending = store.chargeAsync(c);
    } catch (StoreUnavailableException e) {
      return CompletableFuture.completedFuture(whenStoreFails(c, e));
    }
    return pending.handle(
        (verdict, failure) -> {
          if (failure == null) {
            return toDecision(verdict);
          }
          if (Futures.cause(failure) instanceof StoreUnavailableException e) {
            return whenStoreFails(c, e);
          }
          throw failure instanceof CompletionException ce ? ce : new CompletionException(failure);
        });
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
    return hasher.hash(identity);
  }

  /**
   * Where identity {@code fingerprint} stands on every rule that could count it: for each rule and
   * each key source of the rule (an identity may be counted as a bearer token by one rule and as an
   * API key header by another), the bucket's limits, read at cost 0 (nothing is charged). The
   * identity's override, if any, is applied. Buckets never used read as full.
   */
  public CompletionStage<List<Usage>> usage(long fingerprint) {
    KeyOverride o = overrides.get(fingerprint);
    List<Usage> skeleton = new ArrayList<>();
    Charge read = new Charge(rules.length);
    for (CompiledRule cr : rules) {
      BucketGroup g = o == null ? cr.group : cr.groupFor(o, policy.tiers(), store);
      for (int idx : cr.chain) {
        long identity = fingerprint ^ leafTweaks[idx];
        read.add(g, identity ^ cr.tweak, 0, fingerprint);
        skeleton.add(
            new Usage(cr.rule.name(), g.name().variant(), leaves[idx].describe(), List.of()));
      }
    }
    if (read.size() == 0) {
      return CompletableFuture.completedFuture(List.of());
    }
    return store
        .chargeAsync(read)
        .thenApply(
            v -> {
              List<LimitStatus> all = v.statuses();
              List<Usage> out = new ArrayList<>(skeleton.size());
              int from = 0;
              for (int i = 0; i < skeleton.size(); i++) {
                int n = read.group(i).limits().size();
                Usage u = skeleton.get(i);
                out.add(new Usage(u.rule(), u.variant(), u.source(), all.subList(from, from + n)));
                from += n;
              }
              return out;
            });
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
   * Decides under the policy's {@code on-store-failure} mode, the store having failed on {@code c}.
   */
  private Decision whenStoreFails(Charge c, StoreUnavailableException e) {
    String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    switch (policy.onStoreFailure()) {
      case OPEN:
        return Decision.uncounted(why);
      case CLOSED:
        return Decision.storeUnavailable(why);
      case LOCAL:
        Fallback f = fallback();
        Charge local = // newcomers per client
            new Charge(c.size()).origin(c.originSource()).dryRun(c.isDryRun());
        for (int i = 0; i < c.size(); i++) {
          local.add(f.twin(c.group(i)), c.key(i), c.cost(i), c.fingerprint(i));
        }
        return toDecision(f.store.charge(local), why);
      default:
        throw new AssertionError(policy.onStoreFailure());
    }
  }

  private volatile Fallback fallback;

  /** The in-memory store of {@code on-store-failure: local}, made on the first failure. */
  private Fallback fallback() {
    Fallback f = fallback;
    if (f == null) {
      synchronized (this) {
        f = fallback;
        if (f == null) {
          fallback = f = new Fallback(InMemoryStore.create());
        }
      }
    }
    return f;
  }

  /** The local store, and its twin of each primary group (made on first use). */
  private static final class Fallback {
    final Store store;
    final java.util.concurrent.ConcurrentHashMap<BucketGroup, BucketGroup> twins =
        new java.util.concurrent.ConcurrentHashMap<>();

    Fallback(Store store) {
      this.store = store;
    }

    BucketGroup twin(BucketGroup primary) {
      return twins.computeIfAbsent(primary, g -> store.group(g.name(), g.limits()));
    }
  }

  /**
   * Whether deciding a request with this method and path reads its body: some rule that applies
   * counts per a JSON body field or reads its cost from the body. A server reads (a bounded prefix
   * of) the body before {@link #decide} only when this says so, and streams it otherwise.
   */
  public boolean needsBody(String method, String path) {
    String m = method == null ? null : HttpMethods.canonical(method);
    String p;
    try {
      p = path == null ? null : canonicalPath(path);
    } catch (InvalidRequestException e) {
      return false; // invalid whatever its body says
    }
    if (method != null && m == null) {
      return false;
    }
    long[] matched = matchRules(p, new long[globalMask.length]);
    for (int w = 0; w < matched.length; w++) {
      for (long bits = matched[w]; bits != 0; bits &= bits - 1) {
        CompiledRule cr = rules[(w << 6) + Long.numberOfTrailingZeros(bits)];
        if (cr.readsBody && (cr.methods & methodBit(m)) != 0) {
          return true;
        }
      }
    }
    return false;
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
    return CanonicalPath.of(rawPath, foldCase);
  }

  /**
   * Sets {@code matched} to the rules whose path applies: every global one and each route match.
   */
  private long[] matchRules(String path, long[] matched) {
    System.arraycopy(globalMask, 0, matched, 0, matched.length);
    if (path != null) {
      router.match(path, matched);
    }
    return matched;
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

  private Decision toDecision(Verdict v) {
    return toDecision(v, null);
  }

  /** The decision a store's verdict means; {@code storeFailure} if made by the local fallback. */
  private Decision toDecision(Verdict v, String storeFailure) {
    switch (v.kind()) {
      case ADMITTED:
        return storeFailure == null ? Decision.of(v) : Decision.fallback(v, storeFailure);
      case DENIED:
        for (int i = 0, n = v.size(); i < n; i++) {
          if (v.retryAtMicros(i) == Long.MAX_VALUE) { // retrying cannot help: not a 429
            LimitStatus s = v.status(i);
            return Decision.invalid(
                v.nowMicros(),
                "the request costs more than limit '"
                    + s.limit().name()
                    + "' of rule '"
                    + s.rule()
                    + "' can ever allow ("
                    + s.limit().capacity()
                    + ")");
          }
        }
        return storeFailure == null ? Decision.of(v) : Decision.fallback(v, storeFailure);
      case FULL:
        return Decision.unavailable(
            v.nowMicros(), "the rate-limit store is full and cannot count a new client");
      default:
        throw new AssertionError(v.kind());
    }
  }

  /**
   * The request's {@link Charge}, or, when no store call is needed, its {@link Decision} (no rule
   * applies, an identity is missing, a cost is malformed).
   */
  private Object prepare(RequestView request, Charge charge, Charge shadow, Scratch scratch) {
    scratch.request = request;
    String method = request.method();
    String path = request.path();
    String m = method == null ? null : HttpMethods.canonical(method);
    if (method != null && m == null) {
      return Decision.invalid(0, HttpMethods.problem(method));
    }
    try {
      if (path != null) {
        path = canonicalPath(path);
      }
      return prepare(request, m, path, charge, shadow, scratch);
    } catch (InvalidRequestException e) { // the path, or a body read one way only
      return Decision.invalid(0, e.getMessage());
    }
  }

  private Object prepare(
      RequestView request,
      String method,
      String path,
      Charge charge,
      Charge shadow,
      Scratch scratch) {
    boolean anyOverride = !overrides.isEmpty();
    long[] matched = matchRules(path, scratch.matched);
    int methodBit = methodBit(method);
    long[] leafHash = scratch.leafHash;
    int[] leafState = scratch.leafState;
    int gen = ++scratch.generation;
    if (gen == Integer.MAX_VALUE) { // once in two billion decisions of a thread
      java.util.Arrays.fill(leafState, 0);
      scratch.generation = gen = 1;
    }
    long costOverride = request.costOverride();
    for (int w = 0; w < matched.length; w++) {
      for (long bits = matched[w]; bits != 0; bits &= bits - 1) {
        CompiledRule cr = rules[(w << 6) + Long.numberOfTrailingZeros(bits)];
        Rule rule = cr.rule;
        if ((cr.methods & methodBit) == 0) {
          continue;
        }
        long fingerprint = 0;
        long identity = 0;
        boolean found = false;
        for (int idx : cr.chain) {
          KeySource source = leaves[idx];
          KeySource base = source instanceof KeySource.Normalized n ? n.source() : source;
          if (base instanceof KeySource.PathParam pp) { // depends on the rule's own route
            String v = rule.route().path().extract(path, pp.name());
            if (v != null && source instanceof KeySource.Normalized n) {
              v = n.apply(v);
            }
            if (v != null) {
              fingerprint = hasher.hash(v);
              identity = fingerprint ^ leafTweaks[idx];
              found = true;
              break;
            }
            continue;
          }
          if (leafState[idx] != gen && leafState[idx] != -gen) {
            try {
              resolveLeaf(idx, source, request, leafHash, leafState, gen);
            } catch (KeySource.InvalidIdentity e) {
              // Not remembered: another rule with the same source answers the same way.
              if (cr.shadow) {
                break; // a shadow rule never makes a request invalid: it counts no one here
              }
              return Decision.invalid(
                  0, "rule '" + rule.name() + "' cannot count this request: " + e.getMessage());
            }
          }
          if (leafState[idx] == gen) {
            fingerprint = leafHash[idx];
            // The source's tweak keeps "1.2.3.4" as an API key apart from 1.2.3.4 the address.
            identity = fingerprint ^ leafTweaks[idx];
            found = true;
            break;
          }
        }
        if (!found) {
          if (rule.onMissingKey() == Rule.MissingKey.SKIP || cr.shadow) {
            continue; // a shadow rule never makes a request invalid
          }
          return Decision.invalid(
              0,
              "rule '"
                  + rule.name()
                  + "' counts requests per "
                  + rule.key().describe()
                  + ", and this request has none");
        }
        long cost;
        if (costOverride >= 0) {
          cost = costOverride;
        } else if (rule.cost() instanceof Cost.Fixed f) {
          cost = f.units();
        } else {
          Cost.FromRequest fr = (Cost.FromRequest) rule.cost();
          cost = requestCost(fr, request);
          if (cost < 0) {
            return Decision.invalid(
                0,
                "rule '"
                    + rule.name()
                    + "' reads the request's cost from "
                    + fr.from().name().toLowerCase(Locale.ROOT)
                    + " '"
                    + fr.name()
                    + "', which must be a whole number from 0 to "
                    + fr.max());
          }
        }
        BucketGroup group = cr.group;
        if (anyOverride) {
          KeyOverride o = overrides.get(fingerprint);
          if (o != null) {
            group = cr.groupFor(o, policy.tiers(), store);
          }
        }
        // The bucket key: the fingerprint XOR the source's and the rule's tweaks. XOR with a
        // constant is a bijection, and the fingerprint is already a keyed PRF's output, so the
        // keys of a rule are as distinct and as evenly spread as the fingerprints themselves.
        (cr.shadow ? shadow : charge).add(group, identity ^ cr.tweak, cost, fingerprint);
      }
    }
    if (charge.size() == 0 && shadow.size() == 0) {
      return Decision.unlimited(0);
    }
    return charge;
  }

  /**
   * Finds the identity of key source {@code idx} and records its hash (state {@code present}) or
   * its absence ({@code -present}).
   */
  private void resolveLeaf(
      int idx, KeySource source, RequestView request, long[] hashes, int[] states, int present) {
    if (source instanceof KeySource.Bearer) { // the token is hashed as a range: no substring
      String auth = request.header("Authorization");
      int from = 7;
      if (auth == null
          || auth.length() <= from
          || !auth.regionMatches(true, 0, "Bearer ", 0, from)) {
        states[idx] = -present;
        return;
      }
      int to = auth.length();
      while (from < to && auth.charAt(from) <= ' ') {
        from++;
      }
      while (to > from && auth.charAt(to - 1) <= ' ') {
        to--;
      }
      if (from == to) {
        states[idx] = -present;
        return;
      }
      hashes[idx] = hasher.hash(auth, from, to);
      states[idx] = present;
      return;
    }
    String v = resolve(source, request);
    if (v == null) {
      states[idx] = -present;
    } else {
      hashes[idx] = hasher.hash(v);
      states[idx] = present;
    }
  }

  private static String resolve(KeySource source, RequestView request) {
    String v;
    if (source instanceof KeySource.Header h) {
      v = request.header(h.name());
    } else if (source instanceof KeySource.ClientIp ip) {
      v = clientGroup(request.clientAddress(), ip);
    } else if (source instanceof KeySource.Normalized n) {
      v = n.source() instanceof KeySource.Bearer ? bearer(request) : resolve(n.source(), request);
      v = v == null ? null : n.apply(v);
    } else if (source instanceof KeySource.Custom c) {
      v = c.extract(request);
    } else if (source instanceof KeySource.BodyField b) {
      v = request.bodyField(b.path());
    } else if (source instanceof KeySource.QueryParam q) {
      v = request.queryParameter(q.name());
    } else if (source instanceof KeySource.Constant c) {
      v = c.value();
    } else {
      throw new AssertionError(source);
    }
    return v == null || v.isEmpty() ? null : v;
  }

  /**
   * The client's group under {@code ip}'s prefixes (see {@link IpRange#group}). An IPv4 address
   * counted whole is used as it is, without parsing it: the common case stays free of allocation.
   */
  private static String clientGroup(String address, KeySource.ClientIp ip) {
    if (address == null
        || (ip.v4PrefixBits() == 32 && address.indexOf(':') < 0)
        || address.isEmpty()) {
      return address;
    }
    String g = IpRange.group(address, ip.v6PrefixBits(), ip.v4PrefixBits());
    return g != null ? g : address; // not an address (a test's name, a Unix socket): as it is
  }

  /** The token of an {@code Authorization: Bearer} header, or {@code null}. */
  private static String bearer(RequestView request) {
    String auth = request.header("Authorization");
    if (auth == null || auth.length() <= 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return auth.substring(7).strip();
  }

  /** The cost read from the request, or -1 if it is present but not a valid number. */
  private static long requestCost(Cost.FromRequest fr, RequestView request) {
    String raw;
    switch (fr.from()) {
      case HEADER:
        raw = request.header(fr.name());
        break;
      case QUERY:
        raw = request.queryParameter(fr.name());
        break;
      case BODY:
        raw = request.bodyField(fr.name());
        break;
      default:
        throw new AssertionError(fr.from());
    }
    if (raw == null) {
      return fr.defaultUnits();
    }
    String s = raw.trim();
    if (s.isEmpty() || s.length() > 10) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v <= fr.max() ? v : -1;
  }

  /**
   * One bit per HTTP method (canonical, see {@link HttpMethods}), so a rule's methods are checked
   * with a mask instead of a set lookup. A request without a method has bit 31: only rules of any
   * method cover it.
   */
  private static int methodBit(String method) {
    if (method == null) {
      return 1 << 31;
    }
    switch (method) {
      case "GET":
        return 1;
      case "HEAD":
        return 1 << 1;
      case "POST":
        return 1 << 2;
      case "PUT":
        return 1 << 3;
      case "PATCH":
        return 1 << 4;
      case "DELETE":
        return 1 << 5;
      case "OPTIONS":
        return 1 << 6;
      case "TRACE":
        return 1 << 7;
      case "CONNECT":
        return 1 << 8;
      default:
        return 1 << 31;
    }
  }

  /** A stable 64-bit hash of a name, the same on every instance (for store keys). */
  private static long stableHash(String name) {
    return new SipHash(0x736c756963650001L, 0x736c756963650002L).hash(0, name);
  }

  /**
   * The variant name of an identity's own {@code limits}: {@code custom-} and 16 hex digits of the
   * SHA-256 of the limits as text (each limit's name, {@link
   * dev.sluice.core.policy.Limit#describe() description} and window in microseconds, one per line).
   * Text and hash are the same in every JVM and every release that keeps this format, so instances
   * sharing a store name (and count) the group alike, and a restart keeps its counts. (It was once
   * the limits' {@code hashCode()}, which mixes in the identity hash of an enum: different in every
   * JVM, so each instance counted such an identity in a group of its own.)
   */
  static String customVariant(List<dev.sluice.core.policy.Limit> limits) {
    StringBuilder text = new StringBuilder();
    for (dev.sluice.core.policy.Limit l : limits) {
      text.append(l.name())
          .append(' ')
          .append(l.describe())
          .append(' ')
          .append(l.window().micros())
          .append('\n');
    }
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "custom-" + java.util.HexFormat.of().formatHex(digest, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-256", e);
    }
  }

  private static final class CompiledRule {
    final Rule rule;
    final BucketGroup group;
    final long tweak;
    final int[] chain;
    final boolean readsBody;
    final boolean shadow;
    final int methods; // bits of methodBit(); every bit for a global rule or a route of any method

    /** The groups of identities with other limits (a tier's, an override's), by those limits. */
    final java.util.concurrent.ConcurrentHashMap<List<dev.sluice.core.policy.Limit>, BucketGroup>
        variants = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param headAsGet whether a route naming GET covers HEAD too (servers answer HEAD with the GET
     *     handler): unless a route of the same path names HEAD itself
     */
    CompiledRule(Rule rule, BucketGroup group, long tweak, int[] chain, boolean headAsGet) {
      this.rule = rule;
      int m = 0;
      if (rule.route() == null || rule.route().methods().isEmpty()) {
        m = -1;
      } else {
        for (String method : rule.route().methods()) {
          m |= methodBit(method);
        }
        if (headAsGet && (m & methodBit("GET")) != 0) {
          m |= methodBit("HEAD");
        }
      }
      this.methods = m;
      this.shadow = rule.shadow();
      this.group = group;
      this.tweak = tweak;
      this.chain = chain;
      List<KeySource> sources =
          rule.key() instanceof KeySource.FirstOf f ? f.sources() : List.of(rule.key());
      this.readsBody =
          sources.stream()
                  .map(k -> k instanceof KeySource.Normalized n ? n.source() : k)
                  .anyMatch(k -> k instanceof KeySource.BodyField)
              || (rule.cost() instanceof Cost.FromRequest fr && fr.from() == Cost.From.BODY);
    }

    /**
     * The group of an identity with override {@code o}: the rule's own when the override leaves
     * this rule alone, else a group of the rule's buckets under the other limits. Such a group's
     * variant is the tier, or {@code custom-HASH} for limits of the identity's own, so its buckets
     * never mix with the defaults' (and a store keeps them apart).
     */
    BucketGroup groupFor(
        KeyOverride o, java.util.Map<String, dev.sluice.core.policy.Tier> tiers, Store store) {
      List<dev.sluice.core.policy.Limit> limits = o.limitsFor(rule, tiers);
      if (limits == null || limits.equals(rule.limits())) {
        return group;
      }
      BucketGroup g = variants.get(limits);
      if (g == null) {
        String variant =
            o.limits().containsKey(rule.name()) || o.tier() == null
                ? customVariant(limits)
                : o.tier();
        g =
            variants.computeIfAbsent(
                limits, ls -> store.group(new GroupName(rule.name(), variant), ls));
      }
      return g;
    }
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
