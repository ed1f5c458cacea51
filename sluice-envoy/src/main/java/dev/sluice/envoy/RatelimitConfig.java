package dev.sluice.envoy;

import dev.sluice.config.PolicyException;
import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.StoreFailure;
import dev.sluice.core.policy.Tier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * envoyproxy/ratelimit's configuration, as its users write it, read into Sluice policies: one file
 * per domain, or a directory of them.
 *
 * <pre>{@code
 * domain: ipto
 * descriptors:
 *   - key: route
 *     value: search
 *     descriptors:
 *       - key: api_key
 *         rate_limit: {unit: minute, requests_per_unit: 50}
 * }</pre>
 *
 * Everything envoyproxy/ratelimit reads has its meaning (nested {@code descriptors}, {@code value}
 * absent for "any value", wildcard values {@code foo*}, {@code unlimited}, {@code
 * requests_per_unit: 0}, units {@code second} to {@code year}, {@code name} and {@code replaces},
 * {@code shadow_mode}; {@code detailed_metric} is accepted); what it refuses is refused, as a
 * {@link PolicyException} naming the file, line, column and field. Sluice's extensions: {@code
 * unit} may be any interval ({@code 30s}, {@code 5m}), {@code algorithm} ({@code fixed}, {@code
 * sliding}, {@code token-bucket} with {@code burst}), {@code rate_limits} for several windows on
 * one descriptor, and at the top {@code headers}, {@code reset-header}, {@code denial} and {@code
 * on-store-failure} as in a Sluice policy. See {@code docs/envoy.md}.
 */
public final class RatelimitConfig {
  private static final int MAX_BYTES = 1 << 20;

  private final Map<String, Domain> domains;

  private final Policy gatewayPolicy;

  private RatelimitConfig(Map<String, Domain> domains) {
    // Tiers are shared: an override puts an identity in a tier in every domain, so every domain's
    // policy gets every file's tiers (a name defined twice must mean the same).
    Map<String, Tier> tiers = new LinkedHashMap<>();
    Map<String, Domain> definedBy = new HashMap<>();
    for (Domain d : domains.values()) {
      for (Tier t : d.policy().tiers().values()) {
        Tier before = tiers.putIfAbsent(t.name(), t);
        if (before != null && !before.equals(t)) {
          Domain other = definedBy.get(t.name());
          throw PolicyException.at(
              d.source(),
              d.tierLines().get(t.name()),
              1,
              "tiers." + t.name(),
              "tier '"
                  + t.name()
                  + "' has scale "
                  + t.scale()
                  + " here and "
                  + before.scale()
                  + " in "
                  + other.source()
                  + ":"
                  + other.tierLines().get(t.name())
                  + "; tiers are shared by every domain, give them one scale");
        }
        definedBy.putIfAbsent(t.name(), d);
      }
    }
    Map<String, Domain> withTiers = new LinkedHashMap<>();
    List<Rule> rules = new ArrayList<>();
    for (Domain d : domains.values()) {
      Policy p = d.policy();
      Policy shared;
      try {
        shared =
            new Policy(
                p.headers(),
                p.resetHeader(),
                p.denial(),
                p.rules(),
                p.onStoreFailure(),
                p.trustedProxies(),
                tiers,
                p.webhooks());
      } catch (IllegalArgumentException e) { // a scale that takes a limit past what fits
        throw PolicyException.at(d.source(), d.line(), 1, "tiers", e.getMessage());
      }
      withTiers.put(
          d.name(), new Domain(d.name(), d.source(), d.line(), d.root(), shared, d.tierLines()));
      rules.addAll(p.rules());
    }
    this.domains = Collections.unmodifiableMap(withTiers);
    this.gatewayPolicy =
        new Policy(
            HeaderDialect.X_RATELIMIT,
            true,
            DenialFormat.DETAIL,
            rules,
            StoreFailure.OPEN,
            List.of(),
            tiers,
            List.of());
  }

  /**
   * One domain: its descriptor tree and the policy that counts it.
   *
   * @param name the domain
   * @param source the file it was read from
   * @param line the line of its {@code domain:}
   * @param root the descriptor tree
   * @param policy the Sluice policy: one rule per descriptor with a limit, and every file's tiers
   * @param tierLines the line of each tier the file defines
   */
  record Domain(
      String name,
      String source,
      int line,
      DescriptorNode root,
      Policy policy,
      Map<String, Integer> tierLines) {}

  /**
   * Whether {@code path} holds envoyproxy/ratelimit configuration rather than a Sluice policy: a
   * directory, or a YAML file whose top level has a {@code domain}. Never throws: a file that
   * cannot be read or parsed is not recognised (the Sluice reader then reports it).
   */
  public static boolean recognises(Path path) {
    if (Files.isDirectory(path)) {
      return true;
    }
    try {
      return ConfigReader.recognises(Yml.compose(read(path), path.toString()));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Reads {@code path}: one file, or every {@code .yaml} and {@code .yml} file of a directory (not
   * its subdirectories), in name order, each one domain.
   *
   * @throws PolicyException if a file cannot be read or is not valid configuration, or two files
   *     configure one domain
   */
  public static RatelimitConfig load(Path path) {
    Objects.requireNonNull(path, "path");
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(path)) {
      try (Stream<Path> s = Files.list(path)) {
        s.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml") && Files.isRegularFile(p))
            .sorted()
            .forEach(files::add);
      } catch (IOException e) {
        throw PolicyException.at(path.toString(), 0, 0, "", "cannot list the directory: " + e);
      }
      if (files.isEmpty()) {
        throw PolicyException.at(
            path.toString(), 0, 0, "", "the directory holds no .yaml or .yml file");
      }
    } else {
      files.add(path);
    }
    Map<String, Domain> domains = new LinkedHashMap<>();
    for (Path f : files) {
      add(domains, parseOne(read(f), f.toString()));
    }
    return new RatelimitConfig(domains);
  }

  /**
   * Reads one file's text; {@code source} is what errors call it.
   *
   * @throws PolicyException if it is not valid configuration
   */
  public static RatelimitConfig parse(String yaml, String source) {
    Map<String, Domain> domains = new LinkedHashMap<>();
    add(domains, parseOne(yaml, source));
    return new RatelimitConfig(domains);
  }

  private static Domain parseOne(String yaml, String source) {
    String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
    try {
      return ConfigReader.read(Yml.compose(text, source), source);
    } catch (PolicyException e) {
      throw e;
    } catch (RuntimeException e) {
      throw PolicyException.at(
          source, 0, 0, "", "could not read the file (" + e + "); please report this as a bug");
    }
  }

  private static void add(Map<String, Domain> domains, Domain d) {
    Domain before = domains.putIfAbsent(d.name(), d);
    if (before != null) {
      throw PolicyException.at(
          d.source(),
          d.line(),
          1,
          "domain",
          "duplicate domain '"
              + d.name()
              + "': "
              + before.source()
              + ":"
              + before.line()
              + " configures it already");
    }
  }

  private static String read(Path file) {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw PolicyException.at(file.toString(), 0, 0, "", "no such file");
    } catch (IOException e) {
      throw PolicyException.at(file.toString(), 0, 0, "", "cannot read the file: " + e);
    }
    if (bytes.length > MAX_BYTES) {
      throw PolicyException.at(file.toString(), 0, 0, "", "the file is larger than 1 MiB");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw PolicyException.at(file.toString(), 0, 0, "", "the file is not UTF-8 text");
    }
  }

  /** The domains configured, in the order read. */
  public List<String> domains() {
    return List.copyOf(domains.keySet());
  }

  /**
   * The Sluice policy that counts {@code domain}'s descriptors (one rule per descriptor with a
   * limit), or {@code null} for a domain not configured.
   */
  public Policy policy(String domain) {
    Domain d = domains.get(domain);
    return d == null ? null : d.policy();
  }

  /**
   * The policy the gateway's own engine holds for this configuration: every domain's rules (which
   * count only descriptors, so they never apply to an HTTP request) and the tiers. The admin API
   * checks overrides against it: a tier must be one of these, a rule's limits a rule of these.
   */
  public Policy gatewayPolicy() {
    return gatewayPolicy;
  }

  Domain domain(String name) {
    return domains.get(name);
  }

  Map<String, Domain> all() {
    return domains;
  }
}
