package dev.sluice.core.policy;

import java.util.Objects;

/**
 * An identity a policy exempts. Never its raw value in the policy file: either its fingerprint, the
 * keyed hash the admin API and usage reports show ({@code Sluice.fingerprintText}), or the name of
 * an environment variable that holds the value, read when the policy is loaded.
 */
public sealed interface ExemptIdentity {

  /** How the identity is named where people read it ({@code sluice check}, logs): never a value. */
  String describe();

  /**
   * An identity by fingerprint. Fingerprints are keyed by the engine's identity secret, so one
   * stays valid as long as that secret does (see {@code --state-dir} and {@code
   * SLUICE_IDENTITY_SECRET}).
   *
   * @param fingerprint the identity's fingerprint
   */
  record Fingerprint(long fingerprint) implements ExemptIdentity {
    /** Parses 16 hexadecimal digits, as fingerprints are shown. */
    public static Fingerprint parse(String text) {
      if (text == null || !text.matches("[0-9a-fA-F]{16}")) {
        throw new IllegalArgumentException(
            "'"
                + text
                + "' is not a fingerprint: write the 16 hexadecimal digits the admin API"
                + " shows for the identity (e.g. 3f2a9c0d11b74e58)");
      }
      return new Fingerprint(Long.parseUnsignedLong(text, 16));
    }

    @Override
    public String describe() {
      String hex = Long.toHexString(fingerprint);
      return "fingerprint " + "0".repeat(16 - hex.length()) + hex;
    }
  }

  /**
   * An identity whose value is held in environment variable {@code variable}.
   *
   * @param variable the variable's name
   * @param value its value when the policy was loaded; never shown
   */
  record FromEnvironment(String variable, String value) implements ExemptIdentity {
    public FromEnvironment {
      Objects.requireNonNull(variable, "variable");
      Objects.requireNonNull(value, "value");
      if (value.isEmpty()) {
        throw new IllegalArgumentException(
            "environment variable " + variable + " is empty; it must hold the identity to exempt");
      }
    }

    @Override
    public String describe() {
      return "the value of $" + variable;
    }

    /** Says which variable, never the value. */
    @Override
    public String toString() {
      return "FromEnvironment[" + variable + "]";
    }
  }
}
