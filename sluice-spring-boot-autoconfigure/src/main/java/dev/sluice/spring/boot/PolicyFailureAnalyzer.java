package dev.sluice.spring.boot;

import dev.sluice.config.PolicyException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * An app that cannot start for its policy file says so in Boot's "APPLICATION FAILED TO START"
 * report: the located error {@code sluice check} prints, and what to do, instead of a stack trace.
 */
final class PolicyFailureAnalyzer extends AbstractFailureAnalyzer<PolicyException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, PolicyException cause) {
    return new FailureAnalysis(
        "Sluice could not read its policy file (sluice.policy):\n\n    " + cause.getMessage(),
        "Fix the policy file at that line and column (`sluice check --config FILE` checks it"
            + " without starting the app), or turn Sluice off with sluice.enabled=false.",
        cause);
  }
}
