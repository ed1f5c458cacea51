package dev.sluice.core.store;

import java.util.Objects;

/**
 * A store option ({@link StoreSettings#options()}) that the chosen store does not take, or whose
 * value it cannot use. The message is the option's name followed by the {@linkplain #reason()
 * reason}, e.g. {@code max-buckets applies to the memory store only; Redis bounds its own memory
 * (maxmemory)}; a command line that spells its options {@code --NAME} can put its own spelling in
 * front of the reason.
 */
public class StoreOptionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The option at fault. */
  private final String option;

  /** What is wrong with it, a sentence that follows the option's name. */
  private final String reason;

  /**
   * An exception about {@code option}.
   *
   * @param option the option's name, e.g. {@code max-buckets}
   * @param reason what is wrong, to follow the name: e.g. {@code must be at least 10, got 3}
   */
  public StoreOptionException(String option, String reason) {
    super(
        Objects.requireNonNull(option, "option") + " " + Objects.requireNonNull(reason, "reason"));
    this.option = option;
    this.reason = reason;
  }

  /** The option at fault, e.g. {@code max-buckets}. */
  public String option() {
    return option;
  }

  /** What is wrong with it, to follow its name: e.g. {@code must be at least 10, got 3}. */
  public String reason() {
    return reason;
  }
}
