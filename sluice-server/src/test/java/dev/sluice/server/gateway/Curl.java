package dev.sluice.server.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code curl} command, for tests that check a real client where one is installed. */
final class Curl {
  private Curl() {}

  /** Whether curl is installed and speaks HTTP/2. */
  static boolean available() {
    try {
      return run("--version").contains("HTTP2");
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** Runs curl with {@code args}: its output, or an exception with it if curl failed. */
  static String run(String... args) {
    List<String> command = new ArrayList<>();
    command.add("curl");
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("curl " + String.join(" ", args) + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("curl cannot be run: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
