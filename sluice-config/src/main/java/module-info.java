/**
 * The YAML policy file format of Sluice: {@link dev.sluice.config.PolicyFiles} reads a policy file
 * into sluice-core's model, reporting every mistake with its file, line, column and field; {@link
 * dev.sluice.config.PolicySummary} says in words what a policy enforces.
 */
module dev.sluice.config {
  requires transitive dev.sluice.core;
  requires org.snakeyaml.engine;

  exports dev.sluice.config;

  // Key sources from other modules (sluice-jwt's jwt), found when a policy names them.
  uses dev.sluice.core.policy.KeySourceProvider;
}
