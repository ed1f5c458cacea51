/**
 * Sluice's per-identity overrides, kept between restarts: {@link dev.sluice.overrides.OverrideBook}
 * reads, validates and applies them to an engine's {@link dev.sluice.core.Overrides} table; {@link
 * dev.sluice.overrides.OverrideStorage} keeps them, in a state directory's file ({@link
 * dev.sluice.overrides.FileOverrideStorage}, {@link dev.sluice.overrides.StateDir}) or a shared
 * store's map ({@link dev.sluice.overrides.SharedOverrideStorage}). The gateway's admin API and the
 * Spring Boot starter's Actuator endpoint are two doors to it.
 */
module dev.sluice.overrides {
  requires transitive dev.sluice.core;
  requires dev.sluice.config;
  requires com.fasterxml.jackson.core;

  exports dev.sluice.overrides;
}
