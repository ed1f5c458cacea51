package dev.sluice.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code sluice serve} as a real child process on the test class path: its output read line by
 * line, its ports read from the banner, signals sent with {@code kill}.
 */
final class ServeProcess implements AutoCloseable {
  private static final Pattern PROXY = Pattern.compile("proxy: +http://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern ADMIN = Pattern.compile("admin: +http://127\\.0\\.0\\.1:(\\d+)");

  final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  final int proxyPort;
  final int adminPort;

  /** Starts {@code sluice serve ARGS} with {@code env} added, and waits for its banner. */
  ServeProcess(Map<String, String> env, String... args) throws IOException, InterruptedException {
    this(0, env, args);
  }

  /**
   * Starts {@code sluice serve ARGS} with {@code env} added, allowed {@code descriptors} open files
   * ({@code ulimit -n}; 0 for the usual), and waits for its banner.
   */
  ServeProcess(int descriptors, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    this(List.of(), descriptors, env, args);
  }

  /**
   * Starts {@code LAUNCHER... java ... sluice serve ARGS} (e.g. {@code nohup}) with {@code env}
   * added, and waits for its banner.
   */
  static ServeProcess under(List<String> launcher, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    return new ServeProcess(launcher, 0, env, args);
  }

  private ServeProcess(
      List<String> launcher, int descriptors, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(launcher);
    command.addAll(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "dev.sluice.server.Main",
            "serve"));
    command.addAll(List.of(args));
    if (descriptors > 0) { // the limit set by a shell that then becomes the JVM
      List<String> quoted = new ArrayList<>();
      for (String c : command) {
        quoted.add("'" + c.replace("'", "'\\''") + "'");
      }
      command =
          List.of(
              "bash", "-c", "ulimit -n " + descriptors + " && exec " + String.join(" ", quoted));
    }
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    process = pb.start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "serve-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
    String proxy = awaitOrNull(PROXY);
    proxyPort = proxy == null ? -1 : Integer.parseInt(proxy);
    adminPort = Integer.parseInt(await(ADMIN));
  }

  /** Sends signal {@code name} (HUP, TERM) to the process. */
  void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " failed");
    }
  }

  /**
   * Waits (up to 60 s: a first start compiles a lot) for an output line matching {@code pattern};
   * returns its first group, or the line.
   */
  String await(Pattern pattern) throws InterruptedException {
    String found = awaitOrNull(pattern);
    if (found == null) {
      throw new AssertionError("no line matching " + pattern + " in:\n" + String.join("\n", seen));
    }
    return found;
  }

  private String awaitOrNull(Pattern pattern) throws InterruptedException {
    for (String line : seen) {
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return m.groupCount() > 0 ? m.group(1) : line;
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && (process.isAlive() || !lines.isEmpty())) {
      String line = lines.poll(100, TimeUnit.MILLISECONDS);
      if (line == null) {
        continue;
      }
      seen.add(line);
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return m.groupCount() > 0 ? m.group(1) : line;
      }
      if (line.startsWith("  admin:") && pattern == PROXY) {
        return null; // the proxy line comes first; no proxy
      }
    }
    return null;
  }

  /** Every output line seen so far (by {@link #await}). */
  String output() {
    return String.join("\n", seen);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
