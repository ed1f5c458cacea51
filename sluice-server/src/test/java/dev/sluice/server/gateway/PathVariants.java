package dev.sluice.server.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Issue 16's spellings of {@code POST /auth/magic-link} that once got a fourth magic link through
 * to the upstream, and a few more of the same kinds: (method, request-target).
 */
final class PathVariants {
  private PathVariants() {}

  static Stream<Arguments> magicLink() {
    return Stream.of(
        Arguments.of("POST", "/AUTH/MAGIC-LINK"),
        Arguments.of("POST", "/auth/magic-link;x=1"),
        Arguments.of("POST", "/auth/magic-link;"),
        Arguments.of("POST", "/auth/magic-link%3B"),
        Arguments.of("POST", "/auth%2Fmagic-link"),
        Arguments.of("POST", "/auth/magic-link%23x"),
        Arguments.of("POST", "/auth/magic-link."),
        Arguments.of("POST", "/auth/magic-link%20"),
        Arguments.of("POST", "/auth/magic-link%00"),
        Arguments.of("POST", "/auth/magic-link%09"),
        Arguments.of("POST", "/auth\\magic-link"),
        Arguments.of("POST", "/auth%5Cmagic-link"),
        Arguments.of("post", "/auth/magic-link"),
        Arguments.of("Post", "/auth/magic-link"),
        Arguments.of("POST", "/auth/./magic-link"),
        Arguments.of("POST", "//auth//magic-link"),
        Arguments.of("POST", "/auth/magic%2Dlink"),
        Arguments.of("POST", "/auth/x/../magic-link"),
        Arguments.of("POST", "/auth/..;/auth/magic-link"),
        Arguments.of("POST", "/auth/magic-link?x=1"));
  }

  /** examples/ipto.yaml, which matches paths case-insensitively (for the upper-case variant). */
  static String iptoCaseInsensitive() {
    Path fromModule = Path.of("..", "examples", "ipto.yaml");
    Path file = Files.exists(fromModule) ? fromModule : Path.of("examples", "ipto.yaml");
    try {
      String yaml = Files.readString(file);
      if (!yaml.contains("\npaths: case-insensitive\n")) {
        throw new AssertionError("examples/ipto.yaml no longer matches paths case-insensitively");
      }
      return yaml;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
