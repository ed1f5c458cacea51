package dev.sluice.envoy;

import com.google.protobuf.ByteString;
import dev.sluice.core.Decision;
import dev.sluice.core.DecisionListener;
import dev.sluice.core.LimitStatus;
import dev.sluice.core.Overrides;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.ErrorBody;
import dev.sluice.core.http.Header;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Envoy's rate limit service on the Sluice engine, without a transport: {@link #decide} answers one
 * {@code ShouldRateLimit} request. {@link RateLimitServer} serves it over gRPC.
 *
 * <p>One call is one engine decision: each descriptor reaches at most one descriptor of the
 * configuration (the most specific, as envoyproxy/ratelimit walks its tree), the entries it carries
 * are who is counted, its {@code hits_addend} (else the request's, 0 meaning 1) what it costs, and
 * all descriptors of the call are charged together or not at all. A call to an unknown domain, or
 * descriptors that reach no limit, are {@code OK}. {@link #reload} swaps every domain at once.
 *
 * <p>Thread-safe; one instance serves every call.
 */
public final class EnvoyRateLimiter {
  private static final long MAX_UINT32 = 0xffff_ffffL;

  /**
   * The domain engines of one configuration, and for calls whose descriptors carry their own {@code
   * limit}, engines with rules for those limits too, by domain and the limits' shapes.
   */
  private record Engines(
      RatelimitConfig config, Map<String, Sluice> byDomain, Map<String, Sluice> withOverrides) {}

  /** The most engines with override rules kept per configuration; more are built per call. */
  private static final int MAX_OVERRIDE_ENGINES = 256;

  private final Store store;
  private final byte[] secret;
  private final Overrides overrides;
  private final List<DecisionListener> listeners;
  private final boolean envoyHeaders;
  private final boolean trackIdentities;
  private final AtomicReference<Engines> engines = new AtomicReference<>();

  private EnvoyRateLimiter(Builder b) {
    this.store = b.store != null ? b.store : InMemoryStore.create();
    this.secret = b.secret;
    this.overrides = b.overrides != null ? b.overrides : new Overrides();
    this.listeners = List.copyOf(b.listeners);
    this.envoyHeaders = b.envoyHeaders;
    this.trackIdentities = b.trackIdentities;
    engines.set(build(b.config));
  }

  /** A builder for a service enforcing {@code config}. */
  public static Builder builder(RatelimitConfig config) {
    return new Builder(config);
  }

  private Engines build(RatelimitConfig config) {
    Map<String, Sluice> byDomain = new HashMap<>();
    for (RatelimitConfig.Domain d : config.all().values()) {
      byDomain.put(d.name(), engine(d.policy()));
    }
    return new Engines(
        config, Map.copyOf(byDomain), new java.util.concurrent.ConcurrentHashMap<>());
  }

  private Sluice engine(dev.sluice.core.policy.Policy policy) {
    return Sluice.builder(policy)
        .store(store)
        .identitySecret(secret)
        .overrides(overrides)
        .listeners(listeners)
        .trackIdentities(trackIdentities)
        .build();
  }

  /** {@code domain}'s engine with rules for the override leaves {@code extra} too. */
  private Sluice withOverrides(Engines now, RatelimitConfig.Domain domain, Set<Leaf> extra) {
    List<String> names = extra.stream().map(Leaf::rule).sorted().toList();
    String key = domain.name() + "\n" + String.join("\n", names);
    Sluice e = now.withOverrides().get(key);
    if (e != null) {
      return e;
    }
    dev.sluice.core.policy.Policy p = domain.policy();
    List<dev.sluice.core.policy.Rule> rules = new ArrayList<>(p.rules());
    extra.stream()
        .sorted(java.util.Comparator.comparing(Leaf::rule))
        .forEach(l -> rules.add(ConfigReader.overrideRule(l)));
    e =
        engine(
            new dev.sluice.core.policy.Policy(
                p.headers(),
                p.resetHeader(),
                p.denial(),
                rules,
                p.onStoreFailure(),
                p.trustedProxies(),
                p.tiers(),
                p.webhooks(),
                p.pathCase()));
    if (now.withOverrides().size() < MAX_OVERRIDE_ENGINES) {
      now.withOverrides().putIfAbsent(key, e);
    }
    return e;
  }

  /**
   * Enforces {@code config} from now on, every domain at once; counts of descriptors it keeps are
   * kept (the engines share the store and identity secret, and a descriptor's rule is named by its
   * domain and path).
   */
  public void reload(RatelimitConfig config) {
    engines.set(build(Objects.requireNonNull(config, "config")));
  }

  /** The configuration enforced now. */
  public RatelimitConfig config() {
    return engines.get().config();
  }

  /** The engine of {@code domain}, or {@code null} for a domain not configured. */
  public Sluice engine(String domain) {
    return engines.get().byDomain().get(domain);
  }

  /** A request that cannot be answered: gRPC's {@code INVALID_ARGUMENT}. */
  public static final class InvalidRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidRequest(String problem) {
      super(problem, null, false, false);
    }
  }

  /** What one descriptor of the call reached. */
  private record Reached(Leaf leaf, String identity, long hits) {}

  /**
   * Decides {@code request}, charging the store if every descriptor passes.
   *
   * @throws InvalidRequest (also as the stage's failure) for a malformed request
   */
  public CompletionStage<RateLimitResponse> decide(RateLimitRequest request) {
    String domain = request.getDomain();
    if (domain.isEmpty()) {
      throw new InvalidRequest("rate limit domain must not be empty");
    }
    int n = request.getDescriptorsCount();
    if (n == 0) {
      throw new InvalidRequest("rate limit descriptor list must not be empty");
    }
    long requestHits = request.getHitsAddend() == 0 ? 1 : request.getHitsAddend();
    Engines now = engines.get();
    RatelimitConfig.Domain d = now.config().domain(domain);
    Reached[] reached = new Reached[n];
    Set<Leaf> overridden = new HashSet<>();
    for (int i = 0; i < n; i++) {
      RateLimitDescriptor desc = request.getDescriptors(i);
      if (desc.getEntriesCount() == 0) {
        throw new InvalidRequest("descriptor " + i + " has no entries");
      }
      List<String[]> entries = new ArrayList<>(desc.getEntriesCount());
      StringBuilder identity = new StringBuilder();
      for (int j = 0; j < desc.getEntriesCount(); j++) {
        RateLimitDescriptor.Entry e = desc.getEntries(j);
        if (e.getKey().isEmpty()) {
          throw new InvalidRequest("descriptor " + i + " entry " + j + " has an empty key");
        }
        entries.add(new String[] {e.getKey(), e.getValue()});
        identity.append(e.getKey().length()).append(':').append(e.getKey());
        identity.append(e.getValue().length()).append(':').append(e.getValue());
      }
      long hits = requestHits;
      if (desc.hasHitsAddend()) {
        hits = desc.getHitsAddend().getValue() == 0 ? 1 : desc.getHitsAddend().getValue();
      }
      if (hits < 0 || hits > Limit.MAX_PERMITS) {
        throw new InvalidRequest(
            "descriptor "
                + i
                + " adds "
                + Long.toUnsignedString(hits)
                + " hits; at most "
                + Limit.MAX_PERMITS);
      }
      Leaf leaf;
      if (desc.hasLimit()) {
        int unit = desc.getLimit().getUnitValue();
        if (ConfigReader.unitLength(unit) == null || unit == 7) {
          throw new InvalidRequest(
              "descriptor "
                  + i
                  + " overrides its limit with unit "
                  + unit
                  + "; use SECOND, MINUTE, HOUR, DAY, MONTH or YEAR");
        }
        long rpu = Integer.toUnsignedLong(desc.getLimit().getRequestsPerUnit());
        if (rpu > Limit.MAX_PERMITS) {
          throw new InvalidRequest(
              "descriptor "
                  + i
                  + " overrides its limit with "
                  + rpu
                  + " requests per unit; at"
                  + " most "
                  + Limit.MAX_PERMITS);
        }
        leaf = d == null ? null : ConfigReader.overrideLeaf(domain, unit, rpu);
        if (leaf != null && leaf.rule() != null) {
          overridden.add(leaf);
        }
        reached[i] = new Reached(leaf, identity.toString(), hits);
      } else {
        boolean[] free = new boolean[entries.size()];
        leaf = d == null ? null : d.root().match(entries, free);
        reached[i] = new Reached(leaf, identity(entries, free, identity), hits);
      }
    }
    if (d == null) {
      return CompletableFuture.completedFuture(allOk(n));
    }
    // replaces: a limit named by another limit reached in this call does not apply
    Set<String> replaced = new HashSet<>();
    for (Reached r : reached) {
      if (r.leaf() != null && !r.leaf().unlimited()) {
        replaced.addAll(r.leaf().replaces());
      }
    }
    Map<String, String> identities = new LinkedHashMap<>();
    Map<String, Long> hits = new HashMap<>();
    boolean blocked = false;
    for (int i = 0; i < n; i++) {
      Reached r = reached[i];
      Leaf leaf = r.leaf();
      if (leaf == null || (!leaf.name().isEmpty() && replaced.contains(leaf.name()))) {
        reached[i] = null;
        continue;
      }
      if (leaf.blocked()) {
        blocked |= !leaf.shadow();
        continue;
      }
      if (leaf.rule() == null) {
        continue;
      }
      String before = identities.putIfAbsent(leaf.rule(), r.identity());
      if (before != null && !before.equals(r.identity())) {
        throw new InvalidRequest(
            "descriptors of one request reach the same limit with different values;"
                + " Sluice charges one bucket per limit and request: send them in separate"
                + " requests, or give each value its own descriptor in the configuration");
      }
      long sum = hits.getOrDefault(leaf.rule(), 0L) + r.hits();
      if (sum > Limit.MAX_PERMITS) {
        throw new InvalidRequest("the request adds more than " + Limit.MAX_PERMITS + " hits");
      }
      hits.put(leaf.rule(), sum);
    }
    Sluice engine =
        overridden.isEmpty() ? now.byDomain().get(domain) : withOverrides(now, d, overridden);
    RlsView view = new RlsView(identities, hits);
    boolean anyBlocked = blocked;
    CompletionStage<Decision> decision =
        identities.isEmpty()
            ? CompletableFuture.completedFuture(null)
            : anyBlocked ? engine.dryRunAsync(view) : engine.decideAsync(view);
    return decision.thenApply(dec -> respond(engine, dec, reached, anyBlocked));
  }

  /**
   * Who a descriptor that reached a configured leaf is counted as. The entries matched by an exact
   * {@code key: value} are the same for every descriptor reaching that leaf, so only the others (a
   * key without a value, a wildcard) tell its buckets apart. When exactly one entry is free, its
   * value alone is the identity: the API key or address an override names through {@code
   * /admin/overrides/{identity}}, and the same identity on every rule that counts it. With none or
   * several, or an empty value, all entries, each length-prefixed ({@code encoded}), so no two
   * descriptors of one leaf share a bucket they should not; a leaf always has the same number of
   * free entries, so the two forms never meet on one rule.
   */
  private static String identity(List<String[]> entries, boolean[] free, CharSequence encoded) {
    String only = null;
    for (int i = 0; i < free.length; i++) {
      if (free[i]) {
        if (only != null) {
          return encoded.toString();
        }
        only = entries.get(i)[1];
      }
    }
    return only == null || only.isEmpty() ? encoded.toString() : only;
  }

  private static RateLimitResponse allOk(int n) {
    RateLimitResponse.Builder out = RateLimitResponse.newBuilder().setOverallCode(Code.OK);
    for (int i = 0; i < n; i++) {
      out.addStatuses(DescriptorStatus.newBuilder().setCode(Code.OK));
    }
    return out.build();
  }

  private RateLimitResponse respond(Sluice engine, Decision d, Reached[] reached, boolean blocked) {
    if (d != null && d.outcome() == Decision.Outcome.INVALID) {
      throw new InvalidRequest(d.problem());
    }
    Map<String, List<LimitStatus>> byRule = new HashMap<>();
    if (d != null) {
      for (LimitStatus s : d.limits()) {
        byRule.computeIfAbsent(s.rule(), k -> new ArrayList<>()).add(s);
      }
      for (LimitStatus s : d.shadowLimits()) {
        byRule.computeIfAbsent(s.rule(), k -> new ArrayList<>()).add(s);
      }
    }
    boolean counted =
        d == null
            || d.outcome() == Decision.Outcome.ALLOWED
            || d.outcome() == Decision.Outcome.DENIED
            || d.outcome() == Decision.Outcome.UNLIMITED
            || d.outcome() == Decision.Outcome.EXEMPT; // OK, with no figures
    long now = d == null || d.nowMicros() == 0 ? System.currentTimeMillis() * 1000 : d.nowMicros();
    RateLimitResponse.Builder out = RateLimitResponse.newBuilder();
    boolean over = blocked;
    DescriptorStatus least = null;
    for (Reached r : reached) {
      DescriptorStatus.Builder s = DescriptorStatus.newBuilder().setCode(Code.OK);
      Leaf leaf = r == null ? null : r.leaf();
      if (leaf == null) {
        // no limit: OK, nothing else
      } else if (leaf.unlimited()) {
        s.setLimitRemaining((int) MAX_UINT32);
      } else if (leaf.blocked()) {
        Leaf.Shown w = leaf.windows().get(0);
        s.setCode(leaf.shadow() ? Code.OK : Code.OVER_LIMIT)
            .setCurrentLimit(limit(leaf, w))
            .setDurationUntilReset(duration(unitMicros(w.unit()) - now % unitMicros(w.unit())));
      } else if (!counted) {
        s.setCode(Code.UNKNOWN);
      } else {
        List<LimitStatus> statuses = byRule.getOrDefault(leaf.rule(), List.of());
        LimitStatus b = binding(statuses);
        if (b != null) {
          Leaf.Shown w = shown(leaf, b.limit());
          s.setCode(b.passed() || leaf.shadow() ? Code.OK : Code.OVER_LIMIT)
              .setCurrentLimit(limit(leaf, w))
              .setLimitRemaining((int) Math.min(MAX_UINT32, Math.max(0, b.remaining())))
              .setDurationUntilReset(duration(b.resetAtMicros() - now));
          over |= !b.passed() && !leaf.shadow();
        }
      }
      DescriptorStatus built = s.build();
      if (built.hasCurrentLimit()
          && (least == null
              || Integer.toUnsignedLong(built.getLimitRemaining())
                  < Integer.toUnsignedLong(least.getLimitRemaining()))) {
        least = built;
      }
      out.addStatuses(built);
    }
    if (d != null && d.outcome() == Decision.Outcome.UNAVAILABLE) {
      over = true;
    }
    out.setOverallCode(over ? Code.OVER_LIMIT : Code.OK);
    if (envoyHeaders) {
      if (least != null) {
        out.addResponseHeadersToAdd(
            header(
                "RateLimit-Limit",
                Integer.toUnsignedString(least.getCurrentLimit().getRequestsPerUnit())));
        out.addResponseHeadersToAdd(
            header("RateLimit-Remaining", Integer.toUnsignedString(least.getLimitRemaining())));
        out.addResponseHeadersToAdd(
            header("RateLimit-Reset", Long.toString(least.getDurationUntilReset().getSeconds())));
      }
    } else if (d != null) {
      for (Header h : engine.headers(d)) {
        out.addResponseHeadersToAdd(header(h.name(), h.value()));
      }
    }
    if (!over && d != null && counted) {
      towardUpstream(out, d);
    }
    if (over) {
      String body;
      String type;
      if (d != null && d.outcome() == Decision.Outcome.UNAVAILABLE) {
        body = ErrorBody.of(ErrorBody.RATE_LIMIT_UNAVAILABLE, d.problem());
        type = ErrorBody.CONTENT_TYPE;
      } else {
        body =
            d == null || d.outcome() != Decision.Outcome.DENIED
                ? blockedBody(engine)
                : engine.denialBody(d);
        type = engine.denialContentType();
      }
      out.setRawBody(ByteString.copyFrom(body, StandardCharsets.UTF_8));
      out.addResponseHeadersToAdd(header("Content-Type", type));
    }
    return out.build();
  }

  /** The header that tells the upstream which tier an admitted call was counted under. */
  static final String TIER_HEADER = "X-Sluice-Tier";

  /**
   * What Envoy adds to an admitted request on its way to the upstream ({@code
   * request_headers_to_add}; Envoy reads it only on {@code OK}): the quota headers the client will
   * get (so the upstream can show or log what is left without asking again), and {@value
   * #TIER_HEADER}, the tier an override put the caller in ({@code custom} for an identity's own
   * limits), or {@code default}. The tier header is always set on a counted call, so a value the
   * client sent itself is never the only one the upstream sees.
   */
  private static void towardUpstream(RateLimitResponse.Builder out, Decision d) {
    for (int i = 0; i < out.getResponseHeadersToAddCount(); i++) {
      out.addRequestHeadersToAdd(out.getResponseHeadersToAdd(i));
    }
    String tier = null;
    for (LimitStatus s : d.limits()) {
      if (s.variant() != null) {
        tier = s.variant().startsWith("custom-") ? "custom" : s.variant();
        break;
      }
    }
    out.addRequestHeadersToAdd(header(TIER_HEADER, tier == null ? "default" : tier));
  }

  /** The denial body when only a {@code requests_per_unit: 0} descriptor denied the call. */
  private static String blockedBody(Sluice engine) {
    return switch (engine.policy().denial()) {
      case DETAIL -> "{\"detail\": \"Rate limit exceeded\"}";
      case ERROR_CODE ->
          "{\"error\": {\"code\": \"RATE_LIMITED\", \"message\": \"Rate limit exceeded.\"}}";
      case PROBLEM ->
          "{\"type\": \"about:blank\", \"title\": \"Rate limit exceeded\", \"status\": 429}";
    };
  }

  /** The limit a descriptor reports: the one that denied, else the one with least remaining. */
  private static LimitStatus binding(List<LimitStatus> statuses) {
    LimitStatus b = null;
    for (LimitStatus s : statuses) {
      if (b == null
          || (b.passed() && !s.passed())
          || (b.passed() == s.passed() && s.remaining() < b.remaining())) {
        b = s;
      }
    }
    return b;
  }

  private static Leaf.Shown shown(Leaf leaf, Limit limit) {
    for (Leaf.Shown w : leaf.windows()) {
      if (w.limit() != null && w.limit().name().equals(limit.name())) {
        // a tier scales the configured window and keeps its name and unit
        return w.limit().permits() == limit.permits()
            ? w
            : new Leaf.Shown(limit, w.unit(), limit.permits());
      }
    }
    // an override (a tier, a key's own limits) from the admin API: shown as its permits
    return new Leaf.Shown(limit, 0, limit.permits());
  }

  private static RateLimitResponse.RateLimit limit(Leaf leaf, Leaf.Shown w) {
    return RateLimitResponse.RateLimit.newBuilder()
        .setName(leaf.name())
        .setRequestsPerUnit((int) Math.min(MAX_UINT32, w.requestsPerUnit()))
        .setUnitValue(w.unit())
        .build();
  }

  private static long unitMicros(int unit) {
    long s =
        switch (unit) {
          case 1 -> 1;
          case 2 -> 60;
          case 3 -> 3600;
          case 4 -> 86_400;
          case 7 -> 7 * 86_400;
          case 5 -> 30 * 86_400;
          case 6 -> 365 * 86_400;
          default -> 1;
        };
    return s * 1_000_000;
  }

  private static com.google.protobuf.Duration duration(long micros) {
    long m = Math.max(0, micros);
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(m / 1_000_000)
        .setNanos((int) (m % 1_000_000) * 1000)
        .build();
  }

  private static HeaderValue header(String name, String value) {
    return HeaderValue.newBuilder().setKey(name).setValue(value).build();
  }

  /** Configures an {@link EnvoyRateLimiter}. */
  public static final class Builder {
    private final RatelimitConfig config;
    private Store store;
    private byte[] secret;
    private Overrides overrides;
    private boolean envoyHeaders;
    private boolean trackIdentities;
    private final List<DecisionListener> listeners = new ArrayList<>();

    private Builder(RatelimitConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      this.secret = new byte[16];
      new SecureRandom().nextBytes(secret);
    }

    /** Where buckets live (default: a new in-memory store). */
    public Builder store(Store store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** The identity hash key; instances sharing a store share it (see {@link Sluice.Builder}). */
    public Builder identitySecret(byte[] secret) {
      if (Objects.requireNonNull(secret, "secret").length != 16) {
        throw new IllegalArgumentException("the identity secret must be 16 bytes");
      }
      this.secret = secret.clone();
      return this;
    }

    /** The per-identity overrides the engines apply (the gateway's table, to share it). */
    public Builder overrides(Overrides overrides) {
      this.overrides = Objects.requireNonNull(overrides, "overrides");
      return this;
    }

    /** A listener of every decision (metrics, usage, webhooks). */
    public Builder listener(DecisionListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** Adds every listener of {@code listeners}, in order. */
    public Builder listeners(List<? extends DecisionListener> listeners) {
      listeners.forEach(this::listener);
      return this;
    }

    /**
     * Whether decisions say who was counted (fingerprints of the descriptors' entries), for usage
     * reports and webhooks; see {@link Sluice.Builder#trackIdentities}. Off by default.
     */
    public Builder trackIdentities(boolean track) {
      this.trackIdentities = track;
      return this;
    }

    /**
     * Whether responses carry envoyproxy/ratelimit's {@code RateLimit-Limit}, {@code
     * RateLimit-Remaining} and {@code RateLimit-Reset} (its {@code LIMIT_RESPONSE_HEADERS_ENABLED})
     * instead of the headers of each domain's dialect. Off by default.
     */
    public Builder envoyHeaders(boolean envoyHeaders) {
      this.envoyHeaders = envoyHeaders;
      return this;
    }

    /** The service. */
    public EnvoyRateLimiter build() {
      return new EnvoyRateLimiter(this);
    }
  }
}
