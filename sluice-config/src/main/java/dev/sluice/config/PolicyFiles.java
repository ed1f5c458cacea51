package dev.sluice.config;

import dev.sluice.core.policy.Policy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Reads Sluice policy files: YAML that says which requests are limited, counted per whom, how
 * many per window, and how responses report it.
 *
 * <pre>{@code
 * headers: x-ratelimit            # x-ratelimit | ietf | both | none
 * denial: detail                  # detail | error-code | problem
 * key: [bearer, ip]               # who is counted, unless a rule says otherwise
 * global:
 *   limits: [100/minute, 1000/hour, 10_000/day]
 * rules:
 *   - name: magic-link
 *     route: POST /auth/magic-link
 *     key: body:email
 *     limits: 3/hour
 * }</pre>
 *
 * <p>The whole format, with every field and default, is described in {@code docs/policy-format.md}.
 * Every mistake is a {@link PolicyException} naming the file, line, column and field, what is
 * wrong and what would be right; nothing else escapes these methods. The policy returned is
 * immutable and fully validated: it can be handed to {@code Sluice.builder} as it is.
 */
public final class PolicyFiles {
  private PolicyFiles() {}

  /**
   * Reads the policy in {@code file} (UTF-8). Errors name the file as {@code file.toString()}
   * gives it, so a relative path stays relative.
   *
   * @throws PolicyException if the file cannot be read or does not hold a valid policy
   */
  public static Policy load(Path file) {
    Objects.requireNonNull(file, "file");
    String source = file.toString();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new PolicyException(source, 0, 0, "", "no such file"
          + (file.isAbsolute() ? "" : " (looked for " + file.toAbsolutePath() + ")"));
    } catch (AccessDeniedException e) {
      throw new PolicyException(source, 0, 0, "", "cannot read the file: permission denied");
    } catch (IOException | SecurityException e) {
      String why = Files.isDirectory(file) ? "it is a directory, not a policy file"
          : String.valueOf(e.getMessage());
      throw new PolicyException(source, 0, 0, "", "cannot read the file: " + why);
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new PolicyException(source, 0, 0, "", "the file is not UTF-8 text");
    }
    return parse(text, source);
  }

  /**
   * Reads the policy in {@code yaml}; {@code sourceName} is what errors call it (a file name,
   * {@code <stdin>}, a URL).
   *
   * @throws PolicyException if {@code yaml} does not hold a valid policy
   */
  public static Policy parse(String yaml, String sourceName) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(sourceName, "sourceName");
    String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
    try {
      return PolicyReader.read(Yaml.compose(text, sourceName), sourceName);
    } catch (PolicyException e) {
      throw e;
    } catch (RuntimeException e) {
      // A gap in the checks above, not the user's fault; still never a stack trace for them.
      throw new PolicyException(sourceName, 0, 0, "",
          "could not read the policy (" + e + "); please report this as a bug");
    }
  }
}
