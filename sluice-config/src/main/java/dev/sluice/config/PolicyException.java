package dev.sluice.config;

/**
 * A policy file that cannot be used, and where and why: the file, the 1-based line and column of
 * the offending text, the field (a path such as {@code rules[2].limits[0]} or {@code headers}) and
 * what is wrong, with what would be right.
 *
 * <p>{@link #getMessage()} reads as a compiler's diagnostic, so editors and terminals can jump to
 * it:
 *
 * <pre>
 * examples/ipto.yaml:37:10: rules[0].key: unknown key source 'bodi:email';
 *     did you mean 'body:email'?
 * </pre>
 *
 * An error about the file as a whole (it is missing or unreadable) has line and column 0 and an
 * empty field, and reads {@code examples/ipto.yaml: no such file}.
 */
public final class PolicyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;
  private final int column;
  private final String field;
  private final String problem;

  PolicyException(String source, int line, int column, String field, String problem) {
    super(format(source, line, column, field, problem), null, false, false);
    this.source = source;
    this.line = line;
    this.column = column;
    this.field = field;
    this.problem = problem;
  }

  /**
   * An error in another configuration format Sluice reads (sluice-envoy's reader of
   * envoyproxy/ratelimit files), in the same located style: {@code line} and {@code column}
   * 1-based, or both 0 for the file as a whole; {@code field} a path such as {@code
   * descriptors[0].key}, or empty.
   */
  public static PolicyException at(
      String source, int line, int column, String field, String problem) {
    return new PolicyException(source, line, column, field, problem);
  }

  private static String format(String source, int line, int column, String field, String problem) {
    StringBuilder sb = new StringBuilder(source);
    if (line > 0) {
      sb.append(':').append(line).append(':').append(column);
    }
    sb.append(": ");
    if (!field.isEmpty()) {
      sb.append(field).append(": ");
    }
    return sb.append(problem).toString();
  }

  /** The name of the file (or other source) the policy was read from, as it was given. */
  public String source() {
    return source;
  }

  /** The 1-based line of the offending text, or 0 when the error concerns the whole file. */
  public int line() {
    return line;
  }

  /** The 1-based column of the offending text, or 0 when the error concerns the whole file. */
  public int column() {
    return column;
  }

  /**
   * The field at fault as a path from the top of the file ({@code rules[2].limits[0]}, {@code
   * global.key[1]}, {@code headers}); list indices count from 0. Empty when the error is not about
   * one field (YAML syntax, an empty or missing file).
   */
  public String field() {
    return field;
  }

  /** What is wrong and what would be right, without the location. */
  public String problem() {
    return problem;
  }
}
