package dev.sluice.bench;

import dev.sluice.core.policy.DenialFormat;
import dev.sluice.core.policy.HeaderDialect;
import dev.sluice.core.policy.KeySource;
import dev.sluice.core.policy.Limit;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.policy.Route;
import dev.sluice.core.policy.Rule;
import dev.sluice.core.policy.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * the IPTO rate-limit page's policy, built with sluice-core's model: the global rule (per bearer
 * token, else client IP: 100/minute, 1,000/hour, 10,000/day) and every endpoint limit of the
 * document, each permit count multiplied by {@code scale} so a benchmark can stay on the allowed
 * path. Rules, routes and keys are those of {@code examples/ipto.yaml}: endpoint rules without a
 * key of their own count per user, the policy's default key (bearer token, else client IP).
 */
final class IptoPolicy {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final Duration HOUR = Duration.ofHours(1);
  private static final Duration DAY = Duration.ofDays(1);

  private IptoPolicy() {}

  /** The global rule's limits. */
  static List<Limit> globalLimits(long scale) {
    return List.of(
        Limit.fixed("global-minute", 100 * scale, Window.of(MINUTE)),
        Limit.fixed("global-hour", 1_000 * scale, Window.of(HOUR)),
        Limit.fixed("global-day", 10_000 * scale, Window.of(DAY)));
  }

  /** Per bearer token, else per client IP. */
  static KeySource globalKey() {
    return new KeySource.FirstOf(List.of(new KeySource.Bearer(), new KeySource.ClientIp()));
  }

  /** The whole IPTO policy. */
  static Policy full(long scale) {
    return full(scale, true);
  }

  /**
   * The whole IPTO policy; {@code normaliseEmail} false counts magic links per e-mail as written
   * (as before normalised keys), to measure what normalising costs.
   */
  static Policy full(long scale, boolean normaliseEmail) {
    List<Rule> rules = new ArrayList<>();
    rules.add(Rule.global("global", globalKey(), globalLimits(scale)));
    KeySource user = globalKey();
    // Authentication
    rules.add(
        endpoint(
            "magic-link",
            "POST /auth/magic-link",
            normaliseEmail
                ? KeySource.Normalized.of(
                    new KeySource.BodyField("email"),
                    KeySource.Normalization.EMAIL,
                    KeySource.Normalization.STRIP_TAG)
                : new KeySource.BodyField("email"),
            Limit.fixed("magic-link-hour", 3 * scale, Window.of(HOUR))));
    rules.add(
        endpoint(
            "token-verification",
            "POST /auth/verify",
            new KeySource.BodyField("token"),
            Limit.fixed("verify-lifetime", 5 * scale, Window.lifetime(Window.DEFAULT_RETENTION))));
    rules.add(
        endpoint(
            "token-refresh",
            "POST /auth/refresh",
            new KeySource.BodyField("refresh_token"),
            Limit.fixed("refresh-hour", 10 * scale, Window.of(HOUR))));
    // Assets
    rules.add(
        endpoint(
            "asset-creation",
            "POST /assets",
            user,
            Limit.fixed("asset-create-hour", 10 * scale, Window.of(HOUR))));
    rules.add(
        endpoint(
            "asset-listing",
            "GET /assets",
            user,
            Limit.fixed("asset-list-minute", 100 * scale, Window.of(MINUTE))));
    rules.add(
        endpoint(
            "asset-updates",
            "PUT,PATCH /assets/{id}",
            user,
            Limit.fixed("asset-update-hour", 20 * scale, Window.of(HOUR))));
    // MicroIP
    rules.add(
        endpoint(
            "license-creation",
            "POST /microip/licenses",
            user,
            Limit.fixed("license-create-hour", 5 * scale, Window.of(HOUR))));
    rules.add(
        endpoint(
            "asset-downloads",
            "GET /microip/assets/{id}/download",
            user,
            Limit.fixed("asset-download-hour", 20 * scale, Window.of(HOUR))));
    rules.add(
        endpoint(
            "search",
            "GET /microip/search",
            user,
            Limit.fixed("search-minute", 50 * scale, Window.of(MINUTE))));
    // Balance
    rules.add(
        endpoint(
            "deposits",
            "POST /balance/deposits",
            user,
            Limit.fixed("deposit-hour", 10 * scale, Window.of(HOUR))));
    rules.add(
        endpoint(
            "withdrawals",
            "POST /balance/withdrawals",
            user,
            Limit.fixed("withdrawal-hour", 5 * scale, Window.of(HOUR))));
    rules.add(
        endpoint(
            "balance-checks",
            "GET /balance",
            user,
            Limit.fixed("balance-minute", 100 * scale, Window.of(MINUTE))));
    // Wallet
    rules.add(
        endpoint(
            "wallet-addition",
            "POST /wallets",
            user,
            Limit.fixed("wallet-add-hour", 5 * scale, Window.of(HOUR))));
    rules.add(
        endpoint(
            "wallet-verification",
            "POST /wallets/{id}/verify",
            user,
            Limit.fixed("wallet-verify-hour", 10 * scale, Window.of(HOUR))));
    rules.add(
        endpoint(
            "wallet-listing",
            "GET /wallets",
            user,
            Limit.fixed("wallet-list-minute", 50 * scale, Window.of(MINUTE))));
    return policy(rules);
  }

  private static Rule endpoint(String name, String route, KeySource key, Limit limit) {
    return Rule.endpoint(name, Route.parse(route), key, List.of(limit));
  }

  private static Policy policy(List<Rule> rules) {
    return new Policy(HeaderDialect.X_RATELIMIT, true, DenialFormat.DETAIL, rules);
  }
}
