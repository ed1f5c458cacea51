/**
 * sluice-client: call rate-limited HTTP APIs politely, on the JDK's {@code HttpClient}.
 *
 * <p>The public types are few: {@link dev.sluice.client.RateLimitedClient} (and its builder), the
 * {@link dev.sluice.client.RetryPolicy} and {@link dev.sluice.client.Pacing} it follows, the {@link
 * dev.sluice.client.RateLimitListener} that sees what it does, the {@link
 * dev.sluice.client.QuotaReading} a response's limit headers make, the {@link
 * dev.sluice.client.GiveUpException} that says why a request was abandoned, and the {@link
 * dev.sluice.client.Sleeper} all its waiting goes through. Everything else in the package is
 * package-private and may change.
 *
 * <p>Works with any API, not only those behind Sluice: it reads {@code Retry-After} (RFC 9110),
 * {@code X-RateLimit-Limit/Remaining/Reset}, and the IETF {@code RateLimit} and {@code
 * RateLimit-Policy} fields, tolerating the variants seen in the wild.
 */
package dev.sluice.client;
