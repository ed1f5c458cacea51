package dev.sluice.core.policy;

import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Makes the {@link KeySource.Custom} sources of one name, for key sources that live outside
 * sluice-core (which has no dependencies): sluice-jwt's {@code jwt}, for one. Found with {@link
 * java.util.ServiceLoader} by the policy reader (sluice-config) when a policy names a source it
 * does not know, so a module on the class path (or module path) is all it takes: a policy then
 * writes {@code key: jwt}, {@code key: jwt:email} or the long form {@code key: {source: jwt, jwks:
 * https://..., claim: sub}}.
 *
 * <p>Implementations need a public no-argument constructor, and are declared in {@code
 * META-INF/services/dev.sluice.core.policy.KeySourceProvider} and, in a module, with {@code
 * provides dev.sluice.core.policy.KeySourceProvider with ...}.
 */
public interface KeySourceProvider {

  /** The name a policy gives the source, e.g. {@code jwt}: lower case, letters and {@code -}. */
  String name();

  /** The fields the long form may set, besides {@code source} and {@code normalize}. */
  Set<String> options();

  /**
   * A source as a policy describes it.
   *
   * @param argument what follows {@code name:} in the short form ({@code jwt:email} gives {@code
   *     email}), or {@code null}
   * @param options the long form's fields of {@link #options()}, as text; empty in the short form
   * @param environment the process environment ({@code System::getenv}, or a test's map): secrets
   *     come from there, never from the policy file
   * @throws BadOption naming the option at fault, or {@link IllegalArgumentException}, saying what
   *     is wrong and what would be right; the reader reports either at its line and column
   */
  KeySource.Custom create(
      String argument, Map<String, String> options, Function<String, String> environment);

  /** A mistake in one option's value: the reader points at that option. */
  final class BadOption extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String option;

    public BadOption(String option, String message) {
      super(message);
      this.option = option;
    }

    /** The option at fault. */
    public String option() {
      return option;
    }
  }
}
