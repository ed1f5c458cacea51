package dev.sluice.core;

import dev.sluice.core.http.CanonicalPath;
import dev.sluice.core.http.HttpMethods;
import dev.sluice.core.http.InvalidRequestException;
import dev.sluice.core.policy.Cost;
import dev.sluice.core.policy.IpRange;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.PathCase;
import dev.sluice.core.policy.PathTemplate;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Store;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A policy bound to a store and an identity secret, as the engine evaluates it per request: which
 * rules apply ({@link Router} and a bit mask of the global rules), who each counts (the distinct
 * key sources of all rules, each resolved at most once per request and hashed with keyed SipHash),
 * and what each charges. {@link #prepare} turns a request into the charges for the store; it never
 * talks to the store itself.
 *
 * <p>Bucket keys: an identity's fingerprint (the keyed hash of its value) XOR its key source's
 * tweak (so {@code 1.2.3.4} as an API key is not 1.2.3.4 the address) XOR the rule's tweak. XOR
 * with a constant is a bijection and the fingerprint is already a keyed PRF's output, so the keys
 * of a rule are as distinct and as evenly spread as the fingerprints themselves.
 */
final class CompiledPolicy {
  /** Mixed into an origin's hash, so it never equals an identity's fingerprint. */
  private static final long ORIGIN_TWEAK = 0x6f726967696e0001L;

  final Policy policy;
  final SipHash hasher;
  final CompiledRule[] rules;
  final long[] globalMask;
  final Router router;
  final KeySource[] leaves;
  final long[] leafTweaks;
  final int shadowRules;
  final boolean foldCase;
  final CompiledExemptions exemptions;

  /** Whether any rule counts per a field of the body (most policies: none). */
  private final boolean anyRuleReadsBody;

  private final Overrides overrides;

  CompiledPolicy(Policy policy, Store store, SipHash hasher, Overrides overrides) {
    this.policy = policy;
    this.hasher = hasher;
    this.overrides = overrides;
    this.foldCase = policy.pathCase() == PathCase.INSENSITIVE;
    this.exemptions = new CompiledExemptions(policy.exemptions(), hasher, foldCase);
    this.shadowRules = (int) policy.rules().stream().filter(Rule::shadow).count();
    List<KeySource> distinct = new ArrayList<>();
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
        int idx = distinct.indexOf(chain.get(j));
        if (idx < 0) {
          idx = distinct.size();
          distinct.add(chain.get(j));
        }
        chainIdx[j] = idx;
      }
      boolean headAsGet = r.route() != null && !headRoutes.contains(r.route().path());
      rules[i] = new CompiledRule(r, store, stableHash(r.name()), chainIdx, headAsGet);
      if (r.isGlobal()) {
        globalMask[i >>> 6] |= 1L << i;
      } else {
        router.add(r.route().path(), i, foldCase);
      }
    }
    this.anyRuleReadsBody = Arrays.stream(rules).anyMatch(cr -> cr.readsBody);
    this.leaves = distinct.toArray(new KeySource[0]);
    this.leafTweaks = new long[leaves.length];
    for (int i = 0; i < leaves.length; i++) {
      leafTweaks[i] = stableHash(leaves[i].describe());
    }
  }

  /** A stable 64-bit hash of a name, the same on every instance (for store keys). */
  private static long stableHash(String name) {
    return new SipHash(0x736c756963650001L, 0x736c756963650002L).hash(0, name);
  }

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

  /** The canonical form of {@code rawPath} under this policy, see {@link Sluice#canonicalPath}. */
  String canonicalPath(String rawPath) {
    return CanonicalPath.of(rawPath, foldCase);
  }

  /** Sets {@code matched} to the rules whose path applies: every global one and each route's. */
  long[] matchRules(String path, long[] matched) {
    System.arraycopy(globalMask, 0, matched, 0, matched.length);
    if (path != null) {
      router.match(path, matched);
    }
    return matched;
  }

  /** See {@link Sluice#needsBody}. */
  boolean needsBody(String method, String path) {
    if (!anyRuleReadsBody) {
      return false; // asked on every request by a front door: no route matching for nothing
    }
    String m = method == null ? null : HttpMethods.canonical(method);
    if (method != null && m == null) {
      return false; // invalid whatever its body says
    }
    String p;
    try {
      p = path == null ? null : canonicalPath(path);
    } catch (InvalidRequestException e) {
      return false;
    }
    long[] matched = matchRules(p, new long[globalMask.length]);
    int methodBit = MethodBits.of(m);
    for (int w = 0; w < matched.length; w++) {
      for (long bits = matched[w]; bits != 0; bits &= bits - 1) {
        CompiledRule cr = rules[(w << 6) + Long.numberOfTrailingZeros(bits)];
        if (cr.readsBody && cr.covers(methodBit)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Works out what {@code p}'s request charges: {@code p} with its charges filled, or with {@link
   * Preparation#early} set when no store call is needed (no rule applies, an identity is missing, a
   * cost is malformed, the method or path is invalid).
   */
  Preparation prepare(Preparation p) {
    RequestView request = p.request;
    String method = request.method();
    String m = method == null ? null : HttpMethods.canonical(method);
    if (method != null && m == null) {
      return p.decided(Decision.invalid(0, HttpMethods.problem(method)));
    }
    try {
      String path = request.path();
      return prepare(p, m, path == null ? null : canonicalPath(path));
    } catch (InvalidRequestException e) { // the path, or a body read one way only
      return p.decided(Decision.invalid(0, e.getMessage()));
    }
  }

  private Preparation prepare(Preparation p, String method, String path) {
    RequestView request = p.request;
    boolean anyOverride = !overrides.isEmpty();
    int methodBit = MethodBits.of(method);
    Decision exempt = exemptions.byRequest(request.clientAddress(), methodBit, path);
    if (exempt != null) {
      return p.decided(exempt);
    }
    boolean exemptIdentities = exemptions.hasIdentities();
    long[] matched = matchRules(path, p.matched);
    long[] leafHash = p.leafHash;
    int[] leafState = p.leafState;
    int gen = ++p.generation;
    if (gen == Integer.MAX_VALUE) { // once in two billion decisions of a thread
      Arrays.fill(leafState, 0);
      p.generation = gen = 1;
    }
    long costOverride = request.costOverride();
    for (int w = 0; w < matched.length; w++) {
      for (long bits = matched[w]; bits != 0; bits &= bits - 1) {
        CompiledRule cr = rules[(w << 6) + Long.numberOfTrailingZeros(bits)];
        Rule rule = cr.rule;
        if (!cr.covers(methodBit)) {
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
              return p.decided(
                  Decision.invalid(
                      0,
                      "rule '" + rule.name() + "' cannot count this request: " + e.getMessage()));
            }
          }
          if (leafState[idx] == gen) {
            fingerprint = leafHash[idx];
            identity = fingerprint ^ leafTweaks[idx];
            found = true;
            break;
          }
        }
        if (!found) {
          if (rule.onMissingKey() == Rule.MissingKey.SKIP || cr.shadow) {
            continue; // a shadow rule never makes a request invalid
          }
          return p.decided(
              Decision.invalid(
                  0,
                  "rule '"
                      + rule.name()
                      + "' counts requests per "
                      + rule.key().describe()
                      + ", and this request has none"));
        }
        if (exemptIdentities) {
          exempt = exemptions.byFingerprint(fingerprint);
          if (exempt != null) { // the whole request: none of its rules count it
            return p.decided(exempt);
          }
        }
        long cost = costOverride >= 0 ? costOverride : RequestCost.of(rule.cost(), request);
        if (cost == RequestCost.MALFORMED) {
          return p.decided(
              Decision.invalid(
                  0, RequestCost.problem(rule.name(), (Cost.FromRequest) rule.cost())));
        }
        BucketGroup group = cr.group;
        if (anyOverride) {
          KeyOverride o = overrides.get(fingerprint);
          if (o != null) {
            group = cr.groupFor(o, policy.tiers());
          }
        }
        (cr.shadow ? p.shadow : p.charge).add(group, identity ^ cr.tweak, cost, fingerprint);
      }
    }
    if (p.charge.size() == 0 && p.shadow.size() == 0) {
      return p.decided(Decision.unlimited(0));
    }
    return p;
  }

  /**
   * Finds the identity of key source {@code idx} and records its hash (state {@code present}) or
   * its absence ({@code -present}).
   */
  private void resolveLeaf(
      int idx, KeySource source, RequestView request, long[] hashes, int[] states, int present) {
    if (source instanceof KeySource.Bearer) { // the token is hashed as a range: no substring
      String auth = request.header("Authorization");
      long range = BearerToken.range(auth);
      if (range < 0) {
        states[idx] = -present;
        return;
      }
      hashes[idx] = hasher.hash(auth, (int) (range >>> 32), (int) range);
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
      v =
          n.source() instanceof KeySource.Bearer
              ? BearerToken.of(request.header("Authorization"))
              : resolve(n.source(), request);
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
}
