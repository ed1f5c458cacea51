package dev.sluice.envoy;

import dev.sluice.core.RequestView;
import java.util.Map;

/**
 * One {@code ShouldRateLimit} call as the engine reads it: no method, no path (every descriptor
 * rule is global), and per rule the identity its descriptor carries and the hits it adds, read
 * through {@link DescriptorKey} and the rule's cost header.
 */
final class RlsView implements RequestView {
  private final Map<String, String> identities;
  private final Map<String, Long> hits;

  RlsView(Map<String, String> identities, Map<String, Long> hits) {
    this.identities = identities;
    this.hits = hits;
  }

  String identity(String rule) {
    return identities.get(rule);
  }

  @Override
  public String method() {
    return null;
  }

  @Override
  public String path() {
    return null;
  }

  @Override
  public String header(String name) {
    if (name.startsWith(ConfigReader.HITS)) {
      Long h = hits.get(name.substring(ConfigReader.HITS.length()));
      return h == null ? null : h.toString();
    }
    return null;
  }

  @Override
  public String clientAddress() {
    return null;
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
