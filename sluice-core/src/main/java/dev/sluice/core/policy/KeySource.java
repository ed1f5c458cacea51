package dev.sluice.core.policy;

import dev.sluice.core.RequestView;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Who is counted: where a rule finds the identity whose bucket a request charges.
 *
 * <p>The identity itself never reaches a store: the engine hashes it (keyed SipHash-1-3, see {@code
 * Sluice}) together with the rule. A source that finds nothing yields {@code null}; {@link FirstOf}
 * then tries the next, and a rule with no identity left does what its {@link Rule.MissingKey} says.
 *
 * <p>Who chooses the identity matters. A {@link Bearer} token, a {@link Header}, a {@link
 * QueryParam} or a {@link BodyField} is whatever the client sends: a fresh value per request is a
 * fresh bucket, so such a key limits honest clients only, unless a limit the client cannot step
 * around (per {@link ClientIp}, or a verified token through a {@link Custom} source such as
 * sluice-jwt's {@code jwt}) also applies. {@link Normalized} maps the spellings of one value (an
 * e-mail in capitals, with a {@code +tag}) onto one identity.
 */
public sealed interface KeySource {

  /**
   * A short description for summaries and messages, e.g. {@code body.email}, {@code header
   * X-API-Key}.
   */
  String describe();

  /** The token of an {@code Authorization: Bearer <token>} header. */
  record Bearer() implements KeySource {
    @Override
    public String describe() {
      return "bearer token";
    }
  }

  /** The value of a request header (names are case-insensitive). */
  record Header(String name) implements KeySource {
    public Header {
      requireText(name, "header name");
    }

    @Override
    public String describe() {
      return "header " + name;
    }
  }

  /**
   * The client's address (as the transport or a trusted proxy reports it), grouped by network
   * prefix: one IPv6 host usually holds a whole {@code /64} and picks any address in it, so
   * addresses in one {@code /64} (by default) are one identity. IPv4 addresses count one by one by
   * default. See {@link IpRange#group(String, int, int)}.
   *
   * @param v6PrefixBits how many leading bits of an IPv6 address identify a client (1 to 128)
   * @param v4PrefixBits how many leading bits of an IPv4 address identify a client (1 to 32)
   */
  record ClientIp(int v6PrefixBits, int v4PrefixBits) implements KeySource {
    /** The default IPv6 grouping: a {@code /64}, the smallest block a network usually assigns. */
    public static final int DEFAULT_V6_PREFIX = 64;

    /** The default IPv4 grouping: the whole address. */
    public static final int DEFAULT_V4_PREFIX = 32;

    public ClientIp {
      if (v6PrefixBits < 1 || v6PrefixBits > 128) {
        throw new IllegalArgumentException(
            "an IPv6 prefix length must be from 1 to 128, got " + v6PrefixBits);
      }
      if (v4PrefixBits < 1 || v4PrefixBits > 32) {
        throw new IllegalArgumentException(
            "an IPv4 prefix length must be from 1 to 32, got " + v4PrefixBits);
      }
    }

    /** IPv6 clients by {@code /64}, IPv4 clients by address. */
    public ClientIp() {
      this(DEFAULT_V6_PREFIX, DEFAULT_V4_PREFIX);
    }

    @Override
    public String describe() {
      // The default's description is also its hash tweak: unchanged, so IPv4 buckets survive.
      if (v6PrefixBits == DEFAULT_V6_PREFIX && v4PrefixBits == DEFAULT_V4_PREFIX) {
        return "client IP";
      }
      return "client IP (IPv6 by /" + v6PrefixBits + ", IPv4 by /" + v4PrefixBits + ")";
    }
  }

  /** A field of the JSON request body; {@code path} may be dotted ({@code user.email}). */
  record BodyField(String path) implements KeySource {
    public BodyField {
      requireText(path, "body field");
    }

    @Override
    public String describe() {
      return "body field " + path;
    }
  }

  /** A {@code {param}} segment of the rule's route. */
  record PathParam(String name) implements KeySource {
    public PathParam {
      requireText(name, "path parameter");
    }

    @Override
    public String describe() {
      return "path parameter {" + name + "}";
    }
  }

  /** A query-string parameter. */
  record QueryParam(String name) implements KeySource {
    public QueryParam {
      requireText(name, "query parameter");
    }

    @Override
    public String describe() {
      return "query parameter " + name;
    }
  }

  /** The same identity for every request: one bucket shared by all. */
  record Constant(String value) implements KeySource {
    public Constant {
      requireText(value, "constant key");
    }

    @Override
    public String describe() {
      return "everyone (one shared bucket '" + value + "')";
    }
  }

  /**
   * Another source's value, normalised before it is hashed, so that spellings of one identity share
   * a bucket ({@code A@X.com }, {@code a+promo@x.com} and {@code mailto:a@x.com} are all {@code
   * a@x.com} under {@code email} and {@code strip-tag}). The steps apply as a set, in the order of
   * {@link Normalization}. A value that normalises to nothing is absent. A value already normal is
   * used as it is, without a copy.
   *
   * <p>The bucket is the same as the plain source's for a value already normal ({@link
   * #describe()}'s tweak is the source's), so adding normalisation to a rule keeps the counts of
   * the clients who wrote their identity the normal way.
   *
   * @param source where the value is found: not {@link ClientIp} (grouped by prefix instead), not
   *     {@link Constant}, not a chain or another normalisation
   * @param steps what is done to it; not empty
   */
  record Normalized(KeySource source, Set<Normalization> steps) implements KeySource {
    public Normalized {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(steps, "steps");
      if (steps.isEmpty()) {
        throw new IllegalArgumentException("a normalisation needs at least one step");
      }
      if (source instanceof Normalized || source instanceof FirstOf) {
        throw new IllegalArgumentException(
            "normalise each source of a fallback chain on its own, once");
      }
      if (source instanceof ClientIp) {
        throw new IllegalArgumentException(
            "client addresses are already canonical; group them by prefix instead, e.g. ip/56");
      }
      if (source instanceof Constant) {
        throw new IllegalArgumentException("a constant key has nothing to normalise");
      }
      steps = Collections.unmodifiableSet(EnumSet.copyOf(steps));
      boolean email = steps.contains(Normalization.EMAIL);
      for (Normalization n : List.of(Normalization.STRIP_TAG, Normalization.KEEP_LOCAL_CASE)) {
        if (steps.contains(n) && !email) {
          throw new IllegalArgumentException(
              "'"
                  + n.label()
                  + "' applies to an e-mail address; write 'email | "
                  + n.label()
                  + "'");
        }
      }
      if (steps.contains(Normalization.KEEP_LOCAL_CASE) && steps.contains(Normalization.LOWER)) {
        throw new IllegalArgumentException(
            "'lower' and 'keep-local-case' contradict each other; keep one");
      }
    }

    /** A normalisation of {@code source} by {@code steps}. */
    public static Normalized of(KeySource source, Normalization... steps) {
      return new Normalized(source, EnumSet.copyOf(List.of(steps)));
    }

    /**
     * {@code value} normalised: the same instance if it is already normal, {@code null} if nothing
     * is left (a blank value).
     */
    public String apply(String value) {
      return KeyNormalizer.apply(value, steps);
    }

    @Override
    public String describe() {
      return source.describe();
    }
  }

  /** A step of a {@link Normalized} key. */
  enum Normalization {
    /**
     * An e-mail address as one mailbox: Unicode NFKC (a fullwidth {@code ａ} is {@code a}), blanks
     * around it and a {@code mailto:} prefix (or {@code <...>}) removed, a quoted local part
     * unquoted ({@code "a"@x.com} is {@code a@x.com}, as RFC 5321 says), trailing dots of the
     * domain removed, everything lower-cased. A value without {@code @} is treated as text: NFKC,
     * trimmed, lower-cased.
     */
    EMAIL("email"),
    /** With {@link #EMAIL}: the local part from its first {@code +} on is dropped. */
    STRIP_TAG("strip-tag"),
    /**
     * With {@link #EMAIL}: the local part keeps its case (RFC 5321 lets a server tell them apart).
     */
    KEEP_LOCAL_CASE("keep-local-case"),
    /** Blanks around the value removed. */
    TRIM("trim"),
    /** Lower-cased (by Unicode's rules, in no locale). */
    LOWER("lower");

    private final String label;

    Normalization(String label) {
      this.label = label;
    }

    /** As a policy writes it. */
    public String label() {
      return label;
    }

    /** The step a policy calls {@code label}, or {@code null}. */
    public static Normalization fromLabel(String label) {
      for (Normalization n : values()) {
        if (n.label.equals(label.toLowerCase(Locale.ROOT))) {
          return n;
        }
      }
      return null;
    }

    /** Every step's label. */
    public static List<String> labels() {
      return java.util.Arrays.stream(values()).map(Normalization::label).toList();
    }
  }

  /**
   * A key source defined outside sluice-core, found by a {@link KeySourceProvider}: sluice-jwt's
   * {@code jwt}, for one. Implementations are immutable and thread-safe, with value equality (a
   * policy's equal sources are resolved once per request), and fast: {@link #extract} runs on every
   * request the rule applies to, on the server's event loop, so it must not block.
   */
  non-sealed interface Custom extends KeySource {
    /**
     * The identity {@code request} carries, or {@code null} if it has none (the chain's next source
     * is tried).
     *
     * @throws InvalidIdentity if the request carries an identity that must not be counted and must
     *     not fall back to the next source: the request is invalid (a 400 at the gateway)
     */
    String extract(RequestView request);
  }

  /**
   * Thrown by {@link Custom#extract} for an identity that is present but unacceptable (a token that
   * fails verification, where the rule says so). Carries no stack trace: it is an answer, not a
   * bug, and may be thrown once per request of a flood.
   */
  final class InvalidIdentity extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code problem} completes "the request's ...", e.g. "bearer token has expired". */
    public InvalidIdentity(String problem) {
      super(problem, null, false, false);
    }
  }

  /** The first of several sources that finds an identity ("API key, else client IP"). */
  record FirstOf(List<KeySource> sources) implements KeySource {
    public FirstOf {
      sources = Checks.list(sources, "sources");
      if (sources.size() < 2) {
        throw new IllegalArgumentException("a fallback chain needs at least two sources");
      }
      for (KeySource s : sources) {
        if (s instanceof FirstOf) {
          throw new IllegalArgumentException("fallback chains do not nest; list the sources flat");
        }
      }
    }

    @Override
    public String describe() {
      StringBuilder sb = new StringBuilder();
      for (KeySource s : sources) {
        if (sb.length() > 0) {
          sb.append(", else ");
        }
        sb.append(s.describe());
      }
      return sb.toString();
    }
  }

  private static void requireText(String s, String what) {
    Objects.requireNonNull(s, what);
    if (s.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
  }
}
