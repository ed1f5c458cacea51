package dev.sluice.envoy;

import dev.sluice.core.RequestView;
import dev.sluice.core.policy.KeySource;

/**
 * Who a descriptor rule counts: the entries of the request's descriptor that reached the rule's
 * leaf, as {@link RlsView} holds them. A request without such a descriptor has none (the rule is
 * skipped).
 */
record DescriptorKey(String rule) implements KeySource.Custom {
  @Override
  public String extract(RequestView request) {
    return request instanceof RlsView v ? v.identity(rule) : null;
  }

  @Override
  public String describe() {
    return "envoy descriptor of " + rule;
  }
}
