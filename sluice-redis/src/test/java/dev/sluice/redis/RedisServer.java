package dev.sluice.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} for the tests, run as a child process on a free port: the one on the
 * PATH when there is one, otherwise the Linux binary shipped inside the embedded-redis jar on the
 * test class path (extracted to {@code target/}), so the tests need nothing installed by hand. No
 * persistence ({@code --save "" --appendonly no}). Faults are real: {@link #kill}, {@link #pause}
 * (SIGSTOP) and {@link #restart} on the same port. {@code SLUICE_TEST_REDIS=bundled} in the
 * environment skips the PATH, to run the suite on the bundled Redis 6.2 where the PATH has 7.
 *
 * <p>Shipped in this module's test jar for the gateway's tests on Redis.
 */
public final class RedisServer implements AutoCloseable {
  /**
   * The timeout of the stores the contract suites test: they test answers, not timeouts, and the
   * production default (250 ms) is a race on a machine busy with a parallel build.
   */
  static final java.time.Duration CONTRACT_TIMEOUT = java.time.Duration.ofSeconds(5);

  private static final String BUNDLED = "redis-server-6.2.6-v5-linux-amd64";
  private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(15);
  private static Path binary;
  private static RedisServer shared;

  private final int port;
  private final Path dir;
  private final List<String> extra;
  private Process process;

  private RedisServer(int port, Path dir, List<String> extra) {
    this.port = port;
    this.dir = dir;
    this.extra = extra;
  }

  /** One server for every test class that needs no faults; stopped when the JVM exits. */
  public static synchronized RedisServer shared() {
    if (shared == null) {
      shared = start();
      RedisServer s = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(s::close));
    }
    return shared;
  }

  /**
   * A new server on a free port, with {@code extra} arguments ({@code --cluster-enabled yes}...).
   */
  public static RedisServer start(String... extra) {
    try {
      Path dir = Files.createTempDirectory(Path.of("target"), "redis-");
      RedisServer s = new RedisServer(freePort(), dir, List.of(extra));
      s.launch();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  public long pid() {
    return process.pid();
  }

  /** Kills the server at once (SIGKILL): connections drop, its data is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts it again on the same port, empty. */
  public void restart() {
    kill();
    launch();
  }

  /** Freezes the process (SIGSTOP): connections stay open, nothing answers. */
  public void pause() {
    signal("STOP");
  }

  /** Thaws a paused process (SIGCONT). */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void launch() {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary().toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toAbsolutePath().toString()));
    cmd.addAll(extra);
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd, e);
    }
    process = p;
    // Ready when it says so in its log (6.2 and 7 both print this line once listening); the log
    // is copied to redis.log on the way. Waiting on that line, not polling the port.
    java.util.concurrent.CompletableFuture<Void> ready =
        new java.util.concurrent.CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (java.io.BufferedReader in =
                      new java.io.BufferedReader(
                          new java.io.InputStreamReader(
                              p.getInputStream(), StandardCharsets.UTF_8));
                  java.io.Writer log =
                      Files.newBufferedWriter(
                          dir.resolve("redis.log"),
                          StandardCharsets.UTF_8,
                          java.nio.file.StandardOpenOption.CREATE,
                          java.nio.file.StandardOpenOption.APPEND)) {
                for (String line; (line = in.readLine()) != null; ) {
                  log.write(line);
                  log.write('\n');
                  log.flush();
                  if (line.contains("Ready to accept connections")) {
                    ready.complete(null);
                  }
                }
              } catch (IOException e) {
                ready.completeExceptionally(e);
              }
              ready.completeExceptionally(
                  new IllegalStateException(
                      "redis-server exited at start-up; see " + dir.resolve("redis.log")));
            },
            "redis-server-log-" + port);
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(START_TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(
          "redis-server did not get ready within 15 s on port "
              + port
              + "; see "
              + dir.resolve("redis.log"));
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (!answersPing()) {
      throw new IllegalStateException(
          "redis-server said it was ready but does not answer PING on port " + port);
    }
  }

  private boolean answersPing() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(500);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] buf = new byte[7];
      int n = s.getInputStream().readNBytes(buf, 0, 7);
      String answer = new String(buf, 0, n, StandardCharsets.US_ASCII);
      return answer.startsWith("+PONG") || answer.startsWith("-NOAUTH"); // alive, with requirepass
    } catch (IOException e) {
      return false;
    }
  }

  /** Kills the server and deletes its directory. */
  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      kill();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // target/ is cleaned by the build anyway
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private static synchronized Path binary() {
    if (binary != null) {
      return binary;
    }
    String path =
        "bundled".equals(System.getenv("SLUICE_TEST_REDIS"))
            ? ""
            : System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, "redis-server");
      if (!dir.isEmpty() && Files.isExecutable(p)) {
        return binary = p;
      }
    }
    Path target = Path.of("target", "redis-bin", BUNDLED).toAbsolutePath();
    if (!Files.isExecutable(target)) {
      try (InputStream in = ClassLoader.getSystemResourceAsStream(BUNDLED)) {
        if (in == null) {
          throw new IllegalStateException(
              "no redis-server on the PATH and no "
                  + BUNDLED
                  + " on the class path (the embedded-redis test dependency)");
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "redis-server", ".tmp");
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        if (!tmp.toFile().setExecutable(true)) {
          throw new IllegalStateException("cannot make " + tmp + " executable");
        }
        Files.move(
            tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot extract " + BUNDLED, e);
      }
    }
    return binary = target;
  }
}
