package dev.sluice.bench;

import dev.sluice.core.Decision;
import dev.sluice.core.Request;
import dev.sluice.core.RequestView;
import dev.sluice.core.Sluice;
import dev.sluice.core.store.BucketGroup;
import dev.sluice.core.store.Charge;
import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Verdict;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * A whole IPTO decision: {@code Sluice.decide(request)} for {@code GET /assets} with a bearer
 * token, under the full IPTO policy ({@link IptoPolicy#full}: the global rule plus all fifteen
 * endpoint rules). One decision walks the route trie, hashes the token once (keyed SipHash-1-3),
 * charges the global bucket (three fixed windows) and the {@code asset-listing} bucket (one fixed
 * window) all-or-nothing, and builds the {@link Decision} with its four limit statuses.
 *
 * <p>Staying on the allowed path: the permits are IPTO's multiplied by {@value #SCALE} <em>and</em>
 * the calls rotate over 10,000 users (pre-built requests, one per user), so no user comes near any
 * limit in a fork; {@link Denials} fails the run otherwise.
 *
 * <p>Besides {@code decide}, two breakdowns of the same work, to see where the time goes:
 *
 * <ul>
 *   <li>{@code decideLeanView}: the same decisions through a minimal {@link RequestView} that
 *       returns its fields as they are. {@link Request} (the test and example helper) lower-cases
 *       the header name on every {@code header()} call; a server adapter need not.
 *   <li>{@code storeChargeOnly}: {@code InMemoryStore.charge} on pre-built charges of the same
 *       shape (global bucket of three windows, endpoint bucket of one), on a store of its own: the
 *       store's share of a decision, without routing, hashing and the {@code Decision}.
 * </ul>
 *
 * <p>And the other kind of identity, a normalised e-mail in the JSON body ({@code POST
 * /auth/magic-link}, counted per mailbox as {@code body:email | email | strip-tag}; the global
 * limits count these anonymous requests by client IP):
 *
 * <ul>
 *   <li>{@code decideEmail}: e-mails already in normal form ({@code user42@example.com}), as
 *       clients nearly always send them: normalising them is one scan of the string.
 *   <li>{@code decideEmailUnnormalised}: the same requests under a policy counting {@code
 *       body:email} as written: the cost of normalising is the difference to {@code decideEmail}.
 *       (Either costs more than {@code decide}: two identities are hashed, the client IP for the
 *       global limits and the e-mail, where {@code decide} hashes one token for both rules.)
 *   <li>{@code decideEmailRespelt}: the same mailboxes spelt {@code User42+x@Example.COM}, which
 *       take the slow path (a new string per request).
 * </ul>
 *
 * {@code tokenLength} 40 is an opaque API token; 300 is the size of a typical JWT access token (the
 * hash reads the whole token).
 *
 * <p>Run (from the repository root, after {@code ./mvnw -q -pl sluice-bench -am package
 * -DskipTests}):
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar IptoDecisionBenchmark \
 *     -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc
 * </pre>
 *
 * ({@code -p users=100,10000} for a small and a large population.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
public class IptoDecisionBenchmark {
  static final long SCALE = 100_000;

  @Param({"40", "300"})
  public int tokenLength;

  /** Distinct users (one request and one pair of buckets each) the calls rotate over. */
  @Param({"10000"})
  public int users;

  private Sluice sluice;
  private Sluice unnormalisedSluice;
  private int nextMailbox;
  private Request[] requests;
  private Request[] emailRequests;
  private Request[] respeltRequests;
  private RequestView[] leanRequests;
  private InMemoryStore chargeStore;
  private Charge[] charges;
  private int next;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    sluice = Sluice.builder(IptoPolicy.full(SCALE)).store(InMemoryStore.create()).build();
    requests = new Request[users];
    leanRequests = new RequestView[users];
    for (int i = 0; i < users; i++) {
      String token = token(random, tokenLength);
      String ip = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
      requests[i] = Request.builder("GET", "/assets").bearer(token).clientAddress(ip).build();
      leanRequests[i] = new LeanRequest("GET", "/assets", "Bearer " + token, ip);
    }

    // Three links an hour per mailbox, times SCALE, is too few for a whole run over 100
    // mailboxes (and a larger SCALE overflows the daily global limit): the e-mail rows rotate
    // over at least 10,000 mailboxes, sent from the users' addresses.
    // They are only built here, not decided: deciding them in the setup that every benchmark of
    // this class runs would train the JIT on the e-mail path before `decide` is measured (it made
    // `decide` about 50% slower). Denials, the sign of a row off the allowed path, fail its
    // iteration anyway.
    int mailboxes = Math.max(users, 10_000);
    unnormalisedSluice =
        Sluice.builder(IptoPolicy.full(SCALE, false)).store(InMemoryStore.create()).build();
    emailRequests = new Request[mailboxes];
    respeltRequests = new Request[mailboxes];
    for (int i = 0; i < mailboxes; i++) {
      int u = i % users;
      String ip = "10." + (u >> 16 & 255) + "." + (u >> 8 & 255) + "." + (u & 255);
      emailRequests[i] =
          Request.builder("POST", "/auth/magic-link")
              .clientAddress(ip)
              .bodyField("email", "user" + i + "@example.com")
              .build();
      respeltRequests[i] =
          Request.builder("POST", "/auth/magic-link")
              .clientAddress(ip)
              .bodyField("email", "User" + i + "+x@Example.COM")
              .build();
    }

    chargeStore = InMemoryStore.create();
    BucketGroup global = chargeStore.group("global", IptoPolicy.globalLimits(SCALE));
    BucketGroup assets =
        chargeStore.group("asset-list", IptoPolicy.full(SCALE).rule("asset-listing").limits());
    charges = new Charge[users];
    for (int i = 0; i < users; i++) {
      charges[i] =
          new Charge(2).add(global, random.nextLong(), 1).add(assets, random.nextLong(), 1);
    }

    for (int i = 0; i < users; i++) { // every bucket exists before measuring
      check(sluice.decide(requests[i]).allowed());
      check(chargeStore.charge(charges[i]).admitted());
    }
  }

  private static void check(boolean allowed) {
    if (!allowed) {
      throw new IllegalStateException("denied while creating the buckets");
    }
  }

  private static String token(SplittableRandom random, int length) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private int nextUser() {
    int i = next;
    next = i + 1 == users ? 0 : i + 1;
    return i;
  }

  @Benchmark
  public Decision decide(Denials denials) {
    Decision d = sluice.decide(requests[nextUser()]);
    denials.record(d.allowed());
    return d;
  }

  private int nextMailbox() {
    int i = nextMailbox;
    nextMailbox = i + 1 == emailRequests.length ? 0 : i + 1;
    return i;
  }

  @Benchmark
  public Decision decideEmail(Denials denials) {
    Decision d = sluice.decide(emailRequests[nextMailbox()]);
    denials.record(d.allowed());
    return d;
  }

  @Benchmark
  public Decision decideEmailUnnormalised(Denials denials) {
    Decision d = unnormalisedSluice.decide(emailRequests[nextMailbox()]);
    denials.record(d.allowed());
    return d;
  }

  @Benchmark
  public Decision decideEmailRespelt(Denials denials) {
    Decision d = sluice.decide(respeltRequests[nextMailbox()]);
    denials.record(d.allowed());
    return d;
  }

  @Benchmark
  public Decision decideLeanView(Denials denials) {
    Decision d = sluice.decide(leanRequests[nextUser()]);
    denials.record(d.allowed());
    return d;
  }

  @Benchmark
  public Verdict storeChargeOnly(Denials denials) {
    Verdict v = chargeStore.charge(charges[nextUser()]);
    denials.record(v.admitted());
    return v;
  }

  /** A request adapter that stores what the engine reads, as a server adapter would. */
  static final class LeanRequest implements RequestView {
    private final String method;
    private final String path;
    private final String authorization;
    private final String clientAddress;

    LeanRequest(String method, String path, String authorization, String clientAddress) {
      this.method = method;
      this.path = path;
      this.authorization = authorization;
      this.clientAddress = clientAddress;
    }

    @Override
    public String method() {
      return method;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public String header(String name) {
      return "Authorization".equalsIgnoreCase(name) ? authorization : null;
    }

    @Override
    public String clientAddress() {
      return clientAddress;
    }

    @Override
    public String queryParameter(String name) {
      return null;
    }

    @Override
    public String bodyField(String path) {
      return null;
    }
  }
}
