package dev.sluice.redis;

import dev.sluice.core.LimitStatus;
import dev.sluice.core.Ticker;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.Futures;
import dev.sluice.core.store.GroupName;
import dev.sluice.core.store.SharedMap;
import dev.sluice.core.store.SharedSecret;
import dev.sluice.core.store.SharedState;
import dev.sluice.core.store.Store;
import dev.sluice.core.store.StoreUnavailableException;
import dev.sluice.core.store.Verdict;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link Store} in Redis: every instance that connects to the same Redis (standalone, behind
 * Sentinel, or a Cluster) shares the same buckets, so a limit holds across all of them.
 *
 * <pre>{@code
 * Store store = RedisStore.connect("redis://redis.internal:6379");
 * Sluice sluice = Sluice.builder(policy).store(store).identitySecret(sharedSecret).build();
 * }</pre>
 *
 * Where the kind of store is configuration, {@code Stores.open(uri, settings)} (sluice-core) opens
 * this one for a {@code redis://} URI and its kin, through {@link RedisStoreProvider}. What the
 * instances on one Redis share besides buckets (their identity secret, the gateway's overrides) is
 * in {@link #shared()}.
 *
 * <h2>Semantics</h2>
 *
 * <ul>
 *   <li><b>Same answers as in memory.</b> A Lua script mirrors each meter of {@code
 *       dev.sluice.core.limit} formula for formula, in integer microseconds, so a verdict's figures
 *       are those the in-memory store would give at the same instant.
 *   <li><b>One atomic step per request.</b> Every limit of every bucket of a charge is evaluated
 *       and charged by one script call ({@code EVALSHA}), all or nothing; on a Cluster, one call
 *       per hash slot, in parallel (see below).
 *   <li><b>Redis's clock.</b> The script reads {@code TIME}, so instances whose clocks disagree
 *       still agree on every window, reset and retry-after. {@link Verdict#nowMicros()} is Redis's
 *       time.
 *   <li><b>Bounded.</b> Every key has a TTL that ends after its state has stopped mattering, so
 *       Redis holds no dead buckets, and expiry never changes a decision.
 *   <li><b>Fails fast.</b> When Redis cannot answer within the {@linkplain Builder#timeout timeout}
 *       (down, paused, failing over, rejecting commands while reconnecting), {@link #charge}
 *       throws, and {@link #chargeAsync} completes exceptionally with, a {@link
 *       StoreUnavailableException}; nothing else is thrown for a Redis problem. Every command Redis
 *       is sent times out after the timeout, and while the connection is down commands are refused
 *       at once; a charge sends one command (on a Cluster, one deadline covers its per-slot charges
 *       and refunds), except the one call that finds Redis has forgotten the script, which pays one
 *       more round trip. The engine then applies the policy's failure mode. The connection heals by
 *       itself when Redis returns; scripts Redis forgot are loaded again transparently.
 * </ul>
 *
 * <h2>Implementation notes</h2>
 *
 * <b>Key layout.</b> One Redis string per bucket:
 *
 * <pre>
 *   PREFIX:{CLIENT}:BUCKET:RULE   e.g.  sluice:{3f9a0c1e2b7d4c55}:9c1e0f3a2b7d4c55:5d41402abc4b2a76
 *   PREFIX:{BUCKET}:RULE          when the charge carries no fingerprint
 * </pre>
 *
 * {@code CLIENT} is the identity's fingerprint and {@code BUCKET} the bucket's key, each as 16 hex
 * digits: the engine's keyed hashes of the client's identity (rule-independent) and of identity,
 * key source and rule, never the identity itself, so keys are bounded in length and reveal nothing.
 * The braces are a Cluster hash tag on the client: every bucket of one client, whatever the rule,
 * hashes to one slot. {@code RULE} is a hash of the rule's name and limits, so a changed rule
 * starts afresh and an unchanged one keeps its counts across reloads and instances. The string
 * holds the state of every limit of the rule, the same words the in-memory store keeps, as
 * little-endian doubles (see {@code charge.lua}): Lua's numbers are doubles, so a packed 64-bit
 * word would not survive, but every value fits a double exactly.
 *
 * <p><b>The script.</b> {@code charge.lua} reads each bucket with one {@code GET}, evaluates every
 * limit, and only if all pass writes each charged bucket, state and TTL, with one {@code SET}. A
 * read (cost 0) writes nothing, nor does a dry run ({@link Charge#dryRun}). Its arithmetic runs in
 * doubles, exact below 2<sup>53</sup>; the group refuses limits that could take a value past that
 * (token buckets banking more than 71 years of credit), and the one product that can exceed it, in
 * the sliding window, is computed exactly by long multiplication. Tests run the script and the Java
 * meters on the same inputs.
 *
 * <p><b>Cluster: all or nothing across slots.</b> Buckets of different identities live in different
 * slots, usually on different nodes, which no single script can reach. The store sends one script
 * call per slot, in parallel; each checks and charges its own buckets atomically. If every slot
 * admits, that was the only round trip. If one denies, the slots that charged are refunded ({@code
 * refund.lua}) before the verdict is returned. In between, other requests can see the units that
 * are about to be refunded: they may be denied by them, never admitted beyond a limit.
 * docs/redis.md has the details.
 *
 * <p><b>Connection.</b> One Lettuce connection per store, shared by every caller; Lettuce pipelines
 * concurrent commands on it.
 */
public final class RedisStore implements Store {
  private static final System.Logger LOG = System.getLogger(RedisStore.class.getName());
  private static final String[] NO_STRINGS = new String[0];

  private final Connection connection;
  private final String prefix;
  private final Duration timeout;
  private final Ticker clock;
  private final String margin;
  private final NearCache nearCache;
  private final Batcher batcher;
  private final Shared shared = new Shared();

  private RedisStore(Builder b) {
    Target target = Target.parse(b.uri);
    if (b.password != null) {
      target = target.withPassword(b.password);
    }
    this.prefix = b.keyPrefix;
    this.timeout = b.timeout;
    this.clock = b.clock;
    // A test clock runs apart from Redis's: keep keys an hour longer than their state matters, so
    // real time passing between two steps of a test never expires a key its clock still needs.
    this.margin = clock == null ? "1000" : "3600000";
    this.nearCache = b.nearCacheSize > 0 ? new NearCache(b.nearCacheSize) : null;
    this.connection = Connection.open(target, timeout, b.connectTimeout, b.connectInBackground);
    this.batcher =
        b.batchInFlight > 0 && !target.cluster
            ? new Batcher(this::runAll, b.batchInFlight, b.maxBatch, timeout)
            : null;
  }

  /**
   * Connects to the Redis at {@code uri} with the default settings (see {@link Builder}).
   *
   * @param uri {@code redis://HOST[:PORT][/DB]}, {@code rediss://...} (TLS), {@code
   *     redis-sentinel://HOST[:PORT][,HOST[:PORT]...]#MASTER}, or {@code
   *     redis-cluster://HOST[:PORT][,HOST[:PORT]...]}; a password goes before the host ({@code
   *     redis://:secret@host}), as in Lettuce's URIs
   * @throws IllegalArgumentException if {@code uri} is malformed (the message says what is wrong)
   * @throws IllegalStateException if Redis cannot be reached at start-up
   */
  public static RedisStore connect(String uri) {
    return builder(uri).build();
  }

  /** A builder for a store on the Redis at {@code uri} (see {@link #connect}). */
  public static Builder builder(String uri) {
    return new Builder(uri);
  }

  @Override
  public BucketGroup group(GroupName name, List<Limit> limits) {
    return new RedisGroup(this, Objects.requireNonNull(name, "name"), limits);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Blocks for at most the timeout (see the class notes for the one exception).
   *
   * @throws StoreUnavailableException if Redis cannot answer within the timeout
   */
  @Override
  public Verdict charge(Charge charge) {
    try {
      return chargeAsync(charge).toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw unavailable(e.getCause());
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Never blocks: the returned stage completes on Lettuce's I/O or timer threads, normally or
   * exceptionally with a {@link StoreUnavailableException}.
   */
  @Override
  public CompletionStage<Verdict> chargeAsync(Charge charge) {
    int n = charge.size();
    if (n == 0) {
      long now = clock != null ? clock.epochMicros() : System.currentTimeMillis() * 1_000;
      return CompletableFuture.completedFuture(new Verdict(Verdict.Kind.ADMITTED, now, List.of()));
    }
    Plan plan = new Plan(this, charge);
    if (nearCache != null) {
      Verdict cached = nearCache.get(plan);
      if (cached != null) {
        return CompletableFuture.completedFuture(cached);
      }
    }
    long sentNanos = System.nanoTime();
    CompletableFuture<Verdict> result;
    try {
      result = connection.target.cluster ? chargeBySlot(plan) : chargeAll(plan);
    } catch (RuntimeException e) { // Lettuce rejected the command before sending it
      return CompletableFuture.failedFuture(unavailable(e));
    }
    return result.handle(
        (v, e) -> {
          if (e != null) {
            throw unavailable(e);
          }
          if (nearCache != null && v.kind() == Verdict.Kind.DENIED) {
            nearCache.put(plan, v, sentNanos);
          }
          return v;
        });
  }

  /** One script call for every bucket: standalone and Sentinel, where there are no slots. */
  private CompletableFuture<Verdict> chargeAll(Plan plan) {
    int[] all = new int[plan.size];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    CompletableFuture<SlotResult> answer =
        batcher != null ? batcher.submit(new Batcher.Call(plan, all)) : run(plan, all);
    return answer.thenApply(r -> plan.verdict(List.of(r.orThrow())));
  }

  /**
   * One script call per hash slot, in parallel; if any slot denies, the slots that charged are
   * refunded before the verdict is given.
   */
  private CompletableFuture<Verdict> chargeBySlot(Plan plan) {
    Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
    for (int i = 0; i < plan.size; i++) {
      bySlot.computeIfAbsent(SlotHash.getSlot(plan.keys[i]), s -> new ArrayList<>()).add(i);
    }
    if (bySlot.size() == 1) {
      return chargeAll(plan);
    }
    // Several commands, some in sequence (the refunds): one deadline over all of them.
    return chargeSlots(plan, bySlot).orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private CompletableFuture<Verdict> chargeSlots(Plan plan, Map<Integer, List<Integer>> bySlot) {
    List<int[]> slots = new ArrayList<>(bySlot.size());
    List<CompletableFuture<SlotResult>> calls = new ArrayList<>(bySlot.size());
    for (List<Integer> members : bySlot.values()) {
      int[] m = members.stream().mapToInt(Integer::intValue).toArray();
      slots.add(m);
      calls.add(run(plan, m));
    }
    return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]))
        .handle(
            (ignored, failure) -> {
              List<SlotResult> done = new ArrayList<>(calls.size());
              boolean allAdmitted = true;
              for (CompletableFuture<SlotResult> c : calls) {
                SlotResult r = c.isCompletedExceptionally() ? null : c.join();
                done.add(r);
                allAdmitted &= r != null && r.admitted;
              }
              if (failure == null && allAdmitted) {
                return CompletableFuture.completedFuture(plan.verdict(done));
              }
              List<CompletableFuture<List<Object>>> refunds = new ArrayList<>();
              for (SlotResult r : done) {
                if (r != null && r.admitted && r.charged) {
                  refunds.add(refund(plan, r));
                }
              }
              CompletableFuture<Void> refunded =
                  CompletableFuture.allOf(refunds.toArray(new CompletableFuture<?>[0]));
              return refunded.handle(
                  (x, refundFailure) -> {
                    if (refundFailure != null) {
                      LOG.log(
                          System.Logger.Level.WARNING,
                          "Redis at "
                              + connection.target
                              + " denied or failed a request across hash slots and not every slot"
                              + " could be refunded; its units stay charged until their windows"
                              + " pass",
                          refundFailure);
                    }
                    if (failure != null) {
                      throw unavailable(failure);
                    }
                    return plan.verdict(done);
                  });
            })
        .thenCompose(f -> f);
  }

  private CompletableFuture<SlotResult> run(Plan plan, int[] members) {
    return runAll(List.of(new Batcher.Call(plan, members))).thenApply(r -> r.get(0).orThrow());
  }

  /**
   * One script call evaluating {@code calls} one after another (see charge.lua): each rule the
   * calls' buckets follow is described once, and each bucket names its rule by number.
   */
  CompletableFuture<List<SlotResult>> runAll(List<Batcher.Call> calls) {
    int keyCount = 0;
    for (Batcher.Call c : calls) {
      keyCount += c.members().length;
    }
    String[] keys = new String[keyCount];
    List<RedisGroup> rules = new ArrayList<>(2);
    String[] ruleOf = new String[keyCount];
    int at = 0;
    for (Batcher.Call c : calls) {
      for (int i : c.members()) {
        RedisGroup g = c.plan().groups[i];
        int r = rules.indexOf(g); // a handful of rules: a scan beats a map
        if (r < 0) {
          r = rules.size();
          rules.add(g);
        }
        keys[at] = c.plan().keys[i];
        ruleOf[at++] = decimal(r + 1);
      }
    }
    int ruleArgs = 0;
    for (RedisGroup g : rules) {
      ruleArgs += 1 + g.spec.length;
    }
    String[] args = new String[4 + ruleArgs + 2 * calls.size() + 2 * keyCount];
    int a = 0;
    args[a++] = clock == null ? "" : Long.toString(clock.epochMicros());
    args[a++] = margin;
    args[a++] = decimal(rules.size());
    for (RedisGroup g : rules) {
      args[a++] = decimal(g.spec.length / 3);
      for (String s : g.spec) {
        args[a++] = s;
      }
    }
    args[a++] = decimal(calls.size());
    boolean[] charged = new boolean[calls.size()];
    at = 0;
    for (int c = 0; c < calls.size(); c++) {
      Plan plan = calls.get(c).plan();
      int[] members = calls.get(c).members();
      args[a++] = decimal(members.length);
      args[a++] = plan.dryRun ? "1" : "0";
      for (int i : members) {
        args[a++] = decimal(plan.costs[i]);
        args[a++] = ruleOf[at++];
        charged[c] |= plan.costs[i] > 0 && !plan.dryRun;
      }
    }
    return Script.CHARGE
        .run(connection.all(), keys, args)
        .thenApply(
            raw -> {
              long now = (Long) raw.get(0);
              List<SlotResult> out = new ArrayList<>(calls.size());
              int offset = 1;
              for (int c = 0; c < calls.size(); c++) {
                Batcher.Call call = calls.get(c);
                SlotResult r = new SlotResult(call.members(), raw, offset, now, charged[c]);
                out.add(r);
                int limits = 0;
                for (int i : call.members()) {
                  limits += call.plan().groups[i].spec.length / 3;
                }
                offset += 1 + 4 * limits;
              }
              int failed = 0;
              for (SlotResult r : out) {
                if (r.failed) {
                  r.failure = String.valueOf(raw.get(offset + failed++));
                }
              }
              return out;
            });
  }

  /** "0" to "255", made once: most figures a call sends are small. */
  private static final String[] SMALL = new String[256];

  static {
    for (int i = 0; i < SMALL.length; i++) {
      SMALL[i] = Integer.toString(i);
    }
  }

  private static String decimal(long v) {
    return v >= 0 && v < SMALL.length ? SMALL[(int) v] : Long.toString(v);
  }

  private CompletableFuture<List<Object>> refund(Plan plan, SlotResult r) {
    String[] keys = new String[r.members.length];
    List<String> args = new ArrayList<>();
    args.add(Long.toString(r.now));
    int f = 0;
    for (int k = 0; k < r.members.length; k++) {
      int i = r.members[k];
      keys[k] = plan.keys[i];
      RedisGroup g = plan.groups[i];
      args.add(Long.toString(plan.costs[i]));
      args.add(Integer.toString(g.spec.length / 3));
      for (int j = 0; j < g.spec.length / 3; j++, f++) {
        args.add(g.spec[3 * j]);
        args.add(g.spec[3 * j + 1]);
        args.add(g.spec[3 * j + 2]);
        args.add(Long.toString(r.figure(f, 1))); // reset
        args.add(Long.toString(r.figure(f, 3))); // standing reset
      }
    }
    return Script.REFUND.run(connection.all(), keys, args.toArray(NO_STRINGS));
  }

  private StoreUnavailableException unavailable(Throwable failure) {
    Throwable e = Futures.cause(failure);
    if (e instanceof StoreUnavailableException s) {
      return s;
    }
    if (e instanceof TimeoutException || e instanceof RedisCommandTimeoutException) {
      return new StoreUnavailableException(
          "Redis at " + connection.target + " did not answer within " + timeout.toMillis() + " ms",
          e);
    }
    return new StoreUnavailableException(
        "Redis at " + connection.target + " failed: " + e.getMessage(), e);
  }

  /** The key of bucket {@code key} of {@code group}. */
  String key(RedisGroup group, long key) {
    return key(group, key, 0);
  }

  /**
   * The Redis key of bucket {@code key} of {@code group}. The hash tag is the identity's
   * fingerprint when the charge carries one: it is the same on every rule, so all of one client's
   * buckets share a Cluster slot and a request whose rules count the same client costs one round
   * trip. Without a fingerprint, the bucket key itself is the tag.
   */
  String key(RedisGroup group, long key, long fingerprint) {
    StringBuilder s = new StringBuilder(prefix.length() + 38 + group.suffix.length());
    s.append(prefix).append(":{");
    if (fingerprint != 0) {
      hex16(s, fingerprint).append("}:");
      hex16(s, key);
    } else {
      hex16(s, key).append('}');
    }
    return s.append(group.suffix).toString();
  }

  private static StringBuilder hex16(StringBuilder s, long v) {
    String hex = Long.toHexString(v);
    for (int i = hex.length(); i < 16; i++) {
      s.append('0');
    }
    return s.append(hex);
  }

  RedisGroup own(BucketGroup g) {
    if (g instanceof RedisGroup r && r.owner == this) {
      return r;
    }
    throw new IllegalArgumentException("bucket group '" + g.name() + "' belongs to another store");
  }

  /**
   * A 16-byte secret shared by every instance on this Redis: the first instance to ask makes it
   * (random, {@code SET NX}), the others read it. For the engine's identity hash, so instances
   * sharing buckets hash a client alike without configuration. Whoever can read this Redis can read
   * the secret; set {@code Sluice.Builder.identitySecret} yourself where that matters. (The gateway
   * keeps its secret in agreement through {@link #shared()} instead.)
   *
   * @throws StoreUnavailableException if Redis cannot answer, or the other instances bring their
   *     own secret
   */
  public byte[] sharedSecret(String name) {
    SharedSecret shared = this.shared.identitySecret(name, null);
    if (shared.check() == SharedSecret.Check.CONFLICT) {
      throw new StoreUnavailableException(shared.problem());
    }
    return shared.secret();
  }

  /**
   * {@inheritDoc}
   *
   * <p>In this Redis, under this store's key prefix: the identity secret as the key {@code
   * PREFIX:NAME} (or, for a secret the instance brings, its fingerprint as {@code
   * PREFIX:NAME-fingerprint}), a map as the hash {@code PREFIX:NAME} with the channel {@code
   * PREFIX:NAME:changed}. Their calls wait up to the store's timeout, and at least 2 s.
   */
  @Override
  public Optional<SharedState> shared() {
    return Optional.of(shared);
  }

  /** The identity secret and maps, under this store's prefix: see {@link #shared()}. */
  private final class Shared implements SharedState {
    @Override
    public SharedSecret identitySecret(String name, byte[] own) {
      return new RedisSharedSecret(connection, prefix + ":" + name, own, sharedTimeout());
    }

    @Override
    public SharedMap map(String name) {
      return new RedisSharedMap(connection, prefix + ":" + name, sharedTimeout());
    }

    private Duration sharedTimeout() {
      return timeout.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : timeout;
    }

    @Override
    public String toString() {
      return "Redis at " + connection.target;
    }
  }

  /** Closes the connection and releases its threads. */
  @Override
  public void close() {
    connection.close();
  }

  @Override
  public String toString() {
    return "RedisStore[" + connection.target + "]";
  }

  /** One slot's script answer: {admitted, now, then 4 figures per limit of its members}. */
  static final class SlotResult {
    final int[] members;
    final boolean admitted;

    /** Whether Redis refused one of its commands; then {@link #failure} says why. */
    final boolean failed;

    String failure;
    final boolean charged;
    final long now;
    private final List<Object> raw;

    private final int offset;

    /** The answer at {@code raw[offset]}: the admitted flag, then 4 figures per limit. */
    SlotResult(int[] members, List<Object> raw, int offset, long now, boolean charged) {
      this.members = members;
      this.raw = raw;
      this.offset = offset;
      long status = (Long) raw.get(offset);
      this.admitted = status == 1L;
      this.failed = status == -1L;
      this.now = now;
      this.charged = charged;
    }

    /**
     * This result, or a {@link StoreUnavailableException} if Redis refused one of its commands (a
     * key of another type: see charge.lua). Nothing of it was written; the other charges of its
     * batch were made as usual.
     */
    SlotResult orThrow() {
      if (failed) {
        throw new StoreUnavailableException("Redis refused a command of this charge: " + failure);
      }
      return this;
    }

    /**
     * Figure {@code which} (0 remaining, 1 reset, 2 retry-at, 3 standing reset) of limit {@code f}.
     */
    long figure(int f, int which) {
      return (Long) raw.get(offset + 1 + 4 * f + which);
    }
  }

  /** A charge, copied and resolved to keys: the caller may reuse its {@link Charge}. */
  static final class Plan {
    final int size;
    final RedisGroup[] groups;
    final long[] ids;
    final long[] costs;
    final String[] keys;

    /** Evaluated, never written: see {@link Charge#dryRun}. */
    final boolean dryRun;

    Plan(RedisStore store, Charge charge) {
      size = charge.size();
      dryRun = charge.isDryRun();
      groups = new RedisGroup[size];
      ids = new long[size];
      costs = new long[size];
      keys = new String[size];
      for (int i = 0; i < size; i++) {
        groups[i] = store.own(charge.group(i));
        ids[i] = charge.key(i);
        costs[i] = charge.cost(i);
        if (costs[i] < 0) {
          throw new IllegalArgumentException("cost " + costs[i] + " is negative");
        }
        keys[i] = store.key(groups[i], ids[i], charge.fingerprint(i));
        for (int j = 0; j < i; j++) {
          if (keys[j].equals(keys[i])) {
            throw new IllegalArgumentException(
                "the charge names bucket " + ids[i] + " of rule '" + groups[i].name() + "' twice");
          }
        }
      }
    }

    /** The verdict from every slot's answer, limits in charge order. */
    Verdict verdict(List<SlotResult> results) {
      boolean admitted = true;
      for (SlotResult r : results) {
        admitted &= r.admitted;
      }
      int[] firstLimit = new int[size];
      int total = 0;
      for (int i = 0; i < size; i++) {
        firstLimit[i] = total;
        total += groups[i].limits().size();
      }
      LimitStatus[] statuses = new LimitStatus[total];
      long now = 0;
      for (SlotResult r : results) {
        if (r.members[0] == 0 || now == 0) {
          now = r.now; // the time of the slot holding the charge's first bucket
        }
        int f = 0;
        for (int i : r.members) {
          RedisGroup g = groups[i];
          for (int j = 0; j < g.limits().size(); j++, f++) {
            long remaining = r.figure(f, 0);
            long reset = r.figure(f, 1);
            long retry = r.figure(f, 2);
            boolean passed = retry == 0;
            if (!admitted && passed) { // passed, but not charged: report it as it stands
              remaining += costs[i];
              reset = r.figure(f, 3);
            }
            statuses[firstLimit[i] + j] =
                new LimitStatus(
                    g.name().rule(),
                    g.name().variant(),
                    g.limits().get(j),
                    passed,
                    remaining,
                    reset,
                    retry == -1 ? Long.MAX_VALUE : retry);
          }
        }
      }
      return new Verdict(
          admitted ? Verdict.Kind.ADMITTED : Verdict.Kind.DENIED, now, List.of(statuses));
    }
  }

  /** Configures a {@link RedisStore}. */
  public static final class Builder {
    private final String uri;
    private Duration timeout = Duration.ofMillis(250);
    private int batchInFlight = 2;
    private int maxBatch = 64;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private String keyPrefix = "sluice";
    private Ticker clock;
    private int nearCacheSize;
    private boolean connectInBackground;
    private String password;

    private Builder(String uri) {
      this.uri = Objects.requireNonNull(uri, "uri");
    }

    /**
     * How long a charge may wait for Redis before it fails with a {@link StoreUnavailableException}
     * (default 250 ms). It bounds every call, reconnection or not.
     */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the Redis timeout must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Batching (on by default: two calls in flight, up to 64 charges each): charges that arrive
     * while script calls are waiting for Redis go together, up to {@code maxBatch} in one call,
     * each still all or nothing and in arrival order. Under load this divides Redis's per-call cost
     * (script invocation, {@code TIME}) among the charges of a call. With no call in flight a
     * charge is sent at once, so a lone client never waits; with calls in flight, the next of at
     * most {@code inFlight} leaves once as many charges wait as an in-flight call carries, or when
     * an answer comes, so a charge waits at most for the calls already in flight when it came.
     * {@code inFlight} 0 turns batching off. Not used on a Cluster, where charges go per slot.
     */
    public Builder batching(int inFlight, int maxBatch) {
      if (inFlight < 0 || maxBatch < 1) {
        throw new IllegalArgumentException(
            "batching needs inFlight >= 0 and maxBatch >= 1, got " + inFlight + " and " + maxBatch);
      }
      this.batchInFlight = inFlight;
      this.maxBatch = maxBatch;
      return this;
    }

    /**
     * How long connecting (at start-up and on each reconnection attempt) may take (default 2 s).
     */
    public Builder connectTimeout(Duration connectTimeout) {
      if (connectTimeout.isNegative() || connectTimeout.isZero()) {
        throw new IllegalArgumentException(
            "the Redis connect timeout must be positive, got " + connectTimeout);
      }
      this.connectTimeout = connectTimeout;
      return this;
    }

    /**
     * What {@link #build} does when Redis cannot be reached: fail (the default), or, with {@code
     * true}, return a store that keeps trying to connect in the background (100 ms, doubling up to
     * 2 s between attempts). Until it connects, every call fails at once with {@link
     * StoreUnavailableException}, which the engine answers with the policy's {@code
     * on-store-failure} mode, as it does when an established connection drops.
     */
    public Builder connectInBackground(boolean connectInBackground) {
      this.connectInBackground = connectInBackground;
      return this;
    }

    /**
     * The password, when the URI carries none: it is then never part of a string that may be shown
     * (the URI is, masked). With a user in the URI ({@code redis://app:@host}), that ACL user's
     * password. For a Sentinel URI, the data nodes' password, as a password in the URI would be.
     *
     * @throws IllegalArgumentException if {@code password} is empty; {@link #build} throws if the
     *     URI carries a password too
     */
    public Builder password(String password) {
      Objects.requireNonNull(password, "password");
      if (password.isEmpty()) {
        throw new IllegalArgumentException("the Redis password is empty");
      }
      this.password = password;
      return this;
    }

    /**
     * The first part of every key (default {@code sluice}): stores with different prefixes on one
     * Redis count separately. Letters, digits, {@code .}, {@code _}, {@code -} and {@code :}.
     */
    public Builder keyPrefix(String keyPrefix) {
      if (!keyPrefix.matches("[A-Za-z0-9._:-]{1,64}")) {
        throw new IllegalArgumentException(
            "key prefix '"
                + keyPrefix
                + "' must be 1 to 64 letters, digits, '.', '_', '-' or ':' (no braces: they are"
                + " hash tags)");
      }
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * For tests only: read time from {@code clock} instead of Redis's {@code TIME}, so a test can
     * move it. In production the store always uses Redis's clock, which is what makes instances
     * with skewed clocks agree; never set this there.
     */
    public Builder clock(Ticker clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Enables the near cache (off by default): this instance remembers up to {@code maxEntries}
     * requests that Redis denied, and denies the same request (same buckets, same costs) again
     * without asking Redis until the denial's retry time has passed. A hot abusive client then
     * costs no round trip. The figures of such a denial are those of the denial it repeats; the
     * denial itself is exact (usage only grows until the retry time, and the retry time is read on
     * a clock that never runs behind Redis's), except that a refund by another instance in a
     * Cluster (see the class notes) is not seen until then.
     */
    public Builder nearCache(int maxEntries) {
      if (maxEntries < 0) {
        throw new IllegalArgumentException(
            "the near cache size cannot be negative, got " + maxEntries);
      }
      this.nearCacheSize = maxEntries;
      return this;
    }

    /**
     * Connects.
     *
     * @throws IllegalArgumentException if the URI is malformed
     * @throws IllegalStateException if Redis cannot be reached (unless {@link
     *     #connectInBackground})
     */
    public RedisStore build() {
      return new RedisStore(this);
    }
  }
}
