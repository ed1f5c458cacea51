/**
 * Sluice's meters in any Micrometer {@code MeterRegistry}, named and tagged alike wherever they are
 * recorded: {@link dev.sluice.micrometer.DecisionMetrics} hears an engine's decisions (the gateway
 * records its {@code /metrics} with it), {@link dev.sluice.micrometer.ClientMetrics} what
 * sluice-client does about rate limits; {@link dev.sluice.micrometer.MeterNames} names them all.
 * sluice-client is optional: only {@code ClientMetrics} needs it.
 */
// Micrometer ships no module descriptor, only an Automatic-Module-Name: requiring it is
// deliberate, and transitive, for MeterRegistry is in this module's API.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.sluice.micrometer {
  requires transitive dev.sluice.core;
  requires static transitive dev.sluice.client;
  requires transitive micrometer.core;

  exports dev.sluice.micrometer;
}
