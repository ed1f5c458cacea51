package dev.sluice.config;

import dev.sluice.core.policy.Policy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reads Sluice policy files: YAML that says which requests are limited, counted per whom, how many
 * per window, and how responses report it.
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
 * Every mistake is a {@link PolicyException} naming the file, line, column and field, what is wrong
 * and what would be right; nothing else escapes these methods. The policy returned is immutable and
 * fully validated: it can be handed to {@code Sluice.builder} as it is.
 */
public final class PolicyFiles {
  /** The largest policy file read: real ones are a few KiB; a YAML parser's time is not free. */
  static final int MAX_BYTES = 1 << 20;

  private static final String TOO_LARGE =
      "the file is larger than 1 MiB, the most a policy file" + " may be; is this the right file?";

  private PolicyFiles() {}

  /**
   * Reads the policy in {@code file} (UTF-8). Errors name the file as {@code file.toString()} gives
   * it, so a relative path stays relative.
   *
   * @throws PolicyException if the file cannot be read or does not hold a valid policy
   */
  public static Policy load(Path file) {
    return load(file, System::getenv);
  }

  /**
   * {@link #load(Path)}, with the secrets a policy names (a {@code jwt} key's {@code secret-env})
   * looked up in {@code environment} rather than the process environment.
   */
  public static Policy load(Path file, Function<String, String> environment) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(environment, "environment");
    String source = file.toString();
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      // Never more than the limit and a byte: /dev/zero or a pipe must not fill the memory.
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw new PolicyException(
          source,
          0,
          0,
          "",
          "no such file"
              + (file.isAbsolute() ? "" : " (looked for " + file.toAbsolutePath() + ")"));
    } catch (AccessDeniedException e) {
      throw new PolicyException(source, 0, 0, "", "cannot read the file: permission denied");
    } catch (IOException | SecurityException e) {
      String why =
          Files.isDirectory(file)
              ? "it is a directory, not a policy file"
              : String.valueOf(e.getMessage());
      throw new PolicyException(source, 0, 0, "", "cannot read the file: " + why);
    }
    if (bytes.length > MAX_BYTES) {
      throw new PolicyException(source, 0, 0, "", TOO_LARGE);
    }
    return parse(utf8(bytes, source), source, environment);
  }

  /** The text of {@code bytes}; fails at the first byte that is not UTF-8, by line and column. */
  private static String utf8(byte[] bytes, String source) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(in, out, true);
    if (result.isError()) {
      int bad = in.position();
      int line = 1;
      int column = 1;
      for (int i = 0; i < out.position(); i++) { // the text before the bad byte, decoded
        char c = out.get(i);
        if (c == '\n') {
          line++;
          column = 1;
        } else if (!Character.isLowSurrogate(c)) {
          column++;
        }
      }
      throw new PolicyException(
          source,
          line,
          column,
          "",
          String.format(
              "the file is not UTF-8 text: byte 0x%02X here is not valid UTF-8; save the file as"
                  + " UTF-8",
              bytes[bad] & 0xff));
    }
    out.flip();
    return out.toString();
  }

  /**
   * Reads the policy in {@code yaml}; {@code sourceName} is what errors call it (a file name,
   * {@code <stdin>}, a URL).
   *
   * @throws PolicyException if {@code yaml} does not hold a valid policy
   */
  public static Policy parse(String yaml, String sourceName) {
    return parse(yaml, sourceName, System::getenv);
  }

  /**
   * {@link #parse(String, String)}, with the secrets a policy names looked up in {@code
   * environment} rather than the process environment.
   */
  public static Policy parse(String yaml, String sourceName, Function<String, String> environment) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(environment, "environment");
    Objects.requireNonNull(sourceName, "sourceName");
    if (yaml.length() > MAX_BYTES) {
      throw new PolicyException(sourceName, 0, 0, "", TOO_LARGE);
    }
    String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
    try {
      return PolicyReader.read(Yaml.compose(text, sourceName), sourceName, environment);
    } catch (PolicyException e) {
      throw e;
    } catch (RuntimeException e) {
      // A gap in the checks above, not the user's fault; still never a stack trace for them.
      throw new PolicyException(
          sourceName,
          0,
          0,
          "",
          "could not read the policy (" + e + "); please report this as a bug");
    }
  }
}
