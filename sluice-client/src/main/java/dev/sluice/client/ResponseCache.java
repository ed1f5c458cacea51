package dev.sluice.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory, bounded cache of GET responses that honours {@code Cache-Control} and revalidates
 * with {@code ETag} / {@code Last-Modified}, so that repeated reads of data that rarely changes
 * cost no quota (when fresh) or only a 304 (which many APIs do not count).
 *
 * <h2>What is stored</h2>
 *
 * A 200 response to a GET, unless the request or the response says {@code no-store}, or the
 * response has {@code Vary: *}; and only if it can be of use: fresh for a while or carrying a
 * validator. Freshness is {@code max-age}, else {@code Expires - Date}, minus {@code Age} (RFC
 * 9111, 4.2); {@code no-cache} makes it zero (stored, but revalidated on every use). This is a
 * private cache, so {@code private} responses are stored; {@code s-maxage} and {@code public}
 * concern shared caches and are ignored.
 *
 * <h2>Keys</h2>
 *
 * The URI and all the request's headers but {@code Cache-Control} and {@code Pragma}: two requests
 * share an entry only if they are the same request. That makes {@code Vary} moot (whatever a
 * response varies on is in the key) and keeps one caller's response, fetched with its {@code
 * Authorization}, from ever answering another's.
 *
 * <h2>Use</h2>
 *
 * A fresh entry answers without a request. A stale one with a validator is revalidated: the request
 * goes out with {@code If-None-Match} (its {@code ETag}) and {@code If-Modified-Since} (its {@code
 * Last-Modified}); a 304 refreshes the entry's headers and freshness, and the caller gets the
 * cached body in a response that reads as 200. A request with its own conditional or {@code Range}
 * headers, or with {@code Cache-Control: no-store}, bypasses the cache; {@code no-cache} or {@code
 * max-age=0} on a request forces revalidation. A successful POST, PUT, PATCH or DELETE to a URI
 * removes its entries (RFC 9111, 4.4).
 *
 * <h2>Bounds</h2>
 *
 * At most {@code maxEntries} entries and {@code maxBytes} bytes (bodies, plus keys and headers
 * estimated at two bytes a character), least recently used evicted first; a response larger than
 * {@code maxBytes} is not stored (nor buffered beyond that size).
 *
 * <h2>Not done</h2>
 *
 * No heuristic freshness (a response without {@code max-age}/{@code Expires} is always
 * revalidated), no {@code stale-while-revalidate} / {@code stale-if-error}, no partial content, no
 * persistence. Methods are {@code synchronized}: a map operation next to a network call.
 */
final class ResponseCache {
  private static final long SECOND = 1_000_000_000L;
  private static final Set<String> CONDITIONAL =
      Set.of(
          "if-none-match",
          "if-modified-since",
          "if-match",
          "if-unmodified-since",
          "if-range",
          "range");

  /** Headers of a 304 that do not replace the stored ones (RFC 9111, 3.2). */
  private static final Set<String> NOT_UPDATED =
      Set.of("content-length", "content-encoding", "transfer-encoding", "content-range");

  /** A stored response. */
  record Entry(
      byte[] body,
      HttpHeaders headers,
      HttpClient.Version version,
      long storedAtNanos,
      long freshNanos,
      long bytes) {

    boolean freshAt(long nowNanos) {
      return nowNanos - storedAtNanos < freshNanos;
    }

    boolean hasValidator() {
      return headers.firstValue("ETag").isPresent()
          || headers.firstValue("Last-Modified").isPresent();
    }
  }

  private final int maxEntries;
  private final long maxBytes;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;

  ResponseCache(int maxEntries, long maxBytes) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("cache maxEntries must be at least 1, got " + maxEntries);
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("cache maxBytes must be at least 1, got " + maxBytes);
    }
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
  }

  /** The largest body worth buffering for storage. */
  long maxBytes() {
    return maxBytes;
  }

  synchronized Entry get(String key) {
    return entries.get(key);
  }

  synchronized void put(String key, Entry entry) {
    Entry old = entries.remove(key);
    if (old != null) {
      bytes -= old.bytes();
    }
    if (entry.bytes() > maxBytes) {
      return;
    }
    entries.put(key, entry);
    bytes += entry.bytes();
    Iterator<Entry> lru = entries.values().iterator();
    while ((entries.size() > maxEntries || bytes > maxBytes) && lru.hasNext()) {
      bytes -= lru.next().bytes();
      lru.remove();
    }
  }

  synchronized void remove(String key) {
    Entry old = entries.remove(key);
    if (old != null) {
      bytes -= old.bytes();
    }
  }

  /** Removes every entry for {@code uri}, whatever its request headers. */
  synchronized void invalidate(URI uri) {
    String prefix = uri + "\n";
    for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Entry> e = it.next();
      if (e.getKey().startsWith(prefix)) {
        bytes -= e.getValue().bytes();
        it.remove();
      }
    }
  }

  synchronized int size() {
    return entries.size();
  }

  synchronized long bytes() {
    return bytes;
  }

  /**
   * The cache key of a GET: its URI and its headers (names lower-cased, in order), except those
   * that speak to the cache rather than describe the request ({@code Cache-Control}, {@code
   * Pragma}).
   */
  static String key(HttpRequest request) {
    StringBuilder sb = new StringBuilder(request.uri().toString()).append('\n');
    new TreeMap<>(lowerCased(request.headers()))
        .forEach(
            (name, values) -> {
              if (!name.equals("cache-control") && !name.equals("pragma")) {
                sb.append(name).append(':').append(String.join(",", values)).append('\n');
              }
            });
    return sb.toString();
  }

  /** Whether {@code request} is one the cache may answer or store at all. */
  static boolean applies(HttpRequest request) {
    if (!request.method().equals("GET")) {
      return false;
    }
    for (String name : request.headers().map().keySet()) {
      if (CONDITIONAL.contains(name.toLowerCase(Locale.ROOT))) {
        return false;
      }
    }
    return !directives(request.headers()).containsKey("no-store");
  }

  /** Whether {@code request} asks not to be answered from storage without revalidation. */
  static boolean mustRevalidate(HttpRequest request) {
    Map<String, String> cc = directives(request.headers());
    return cc.containsKey("no-cache") || "0".equals(cc.get("max-age"));
  }

  /**
   * How long a 200 response with {@code headers} stays fresh, in nanoseconds (0: revalidate on
   * every use), or -1 if it must not be stored or would be of no use stored.
   */
  static long freshness(HttpHeaders headers, Instant receivedAt) {
    Map<String, String> cc = directives(headers);
    if (cc.containsKey("no-store")) {
      return -1;
    }
    for (String vary : headers.allValues("Vary")) {
      if (vary.strip().equals("*")) {
        return -1;
      }
    }
    long fresh = 0;
    if (!cc.containsKey("no-cache")) {
      long maxAge = Numbers.nonNegative(cc.get("max-age"));
      if (maxAge >= 0) {
        fresh = maxAge > Long.MAX_VALUE / SECOND ? Long.MAX_VALUE : maxAge * SECOND;
      } else {
        Instant expires = HttpDates.parse(headers.firstValue("Expires").orElse(null));
        if (expires != null) {
          Instant date = HttpDates.parse(headers.firstValue("Date").orElse(null));
          fresh = Math.max(0, Nanos.between(date != null ? date : receivedAt, expires));
        }
      }
      long age = Numbers.nonNegative(headers.firstValue("Age").orElse(null));
      if (age > 0) {
        fresh = age > Long.MAX_VALUE / SECOND ? 0 : Math.max(0, fresh - age * SECOND);
      }
    }
    boolean validator =
        headers.firstValue("ETag").isPresent() || headers.firstValue("Last-Modified").isPresent();
    return fresh > 0 || validator ? fresh : -1;
  }

  /** The headers of a stored response after a 304 with {@code update} (RFC 9111, 4.3.4). */
  static HttpHeaders merge(HttpHeaders stored, HttpHeaders update) {
    Map<String, List<String>> merged = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    merged.putAll(stored.map());
    update
        .map()
        .forEach(
            (name, values) -> {
              if (!NOT_UPDATED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                merged.put(name, values);
              }
            });
    return HttpHeaders.of(merged, (n, v) -> true);
  }

  /** The bytes an entry is charged: its body, and its key and headers at two bytes a char. */
  static long size(String key, byte[] body, HttpHeaders headers) {
    long chars = key.length();
    for (Map.Entry<String, List<String>> h : headers.map().entrySet()) {
      chars += h.getKey().length();
      for (String v : h.getValue()) {
        chars += v.length();
      }
    }
    return body.length + 2 * chars + 64;
  }

  /** The {@code Cache-Control} directives in {@code headers}, names lower-cased. */
  static Map<String, String> directives(HttpHeaders headers) {
    Map<String, String> out = new HashMap<>();
    List<String> values = headers.allValues("Cache-Control");
    for (String value : values.subList(0, Math.min(values.size(), FieldList.MAX_MEMBERS))) {
      if (value.length() > FieldList.MAX_CHARS) {
        continue;
      }
      for (String part : FieldList.split(value, ',')) {
        int eq = part.indexOf('=');
        String name = (eq < 0 ? part : part.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
        if (!name.isEmpty()) {
          out.putIfAbsent(name, eq < 0 ? "" : FieldList.unquote(part.substring(eq + 1).strip()));
        }
      }
    }
    return out;
  }

  private static Map<String, List<String>> lowerCased(HttpHeaders headers) {
    Map<String, List<String>> out = new HashMap<>();
    headers.map().forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
    return out;
  }
}
