package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's headless {@code chromium}, as the browser tests run it: found on the {@code PATH}, and
 * run once on a page ({@code --dump-dom}, {@code --screenshot}) with a fresh profile, its output
 * returned. {@code .ci/run} installs it; the tests skip without it except where {@code CI} is set.
 */
public final class HeadlessChromium {
  /** What every run passes: headless, no sandbox, nothing fetched or synced in the background. */
  public static final List<String> FLAGS =
      List.of(
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--disable-dev-shm-usage");

  private HeadlessChromium() {}

  /** The {@code chromium} (or {@code chromium-browser}) binary on the {@code PATH}, or null. */
  public static String find() {
    for (String name : new String[] {"chromium", "chromium-browser"}) {
      for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        Path p = Path.of(d, name);
        if (Files.isExecutable(p)) {
          return p.toString();
        }
      }
    }
    return null;
  }

  /**
   * Runs {@code chromium} with {@link #FLAGS}, a fresh profile under {@code dir}, and {@code args};
   * its standard output. Fails if it does not end within 90 s, or ends with an error.
   */
  public static String run(Path dir, String chromium, String... args) throws Exception {
    Path profile = Files.createTempDirectory(dir, "chromium");
    List<String> command = new ArrayList<>();
    command.add(chromium);
    command.addAll(FLAGS);
    command.add("--user-data-dir=" + profile);
    command.addAll(List.of(args));
    Path out = dir.resolve("chromium-" + System.nanoTime() + ".out");
    Path err = dir.resolve("chromium-" + System.nanoTime() + ".err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 90 s: " + Files.readString(err));
    }
    assertThat(p.exitValue()).as("chromium's exit code; stderr: " + Files.readString(err)).isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }
}
