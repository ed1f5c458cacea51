package dev.sluice.bench;

import dev.sluice.core.store.InMemoryStore;
import dev.sluice.core.store.Store;
import dev.sluice.envoy.EnvoyRateLimiter;
import dev.sluice.envoy.RateLimitServer;
import dev.sluice.envoy.RatelimitConfig;
import dev.sluice.redis.RedisStore;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A gRPC load run against Envoy's rate limit service: IPTO's search as Envoy sends it (two
 * descriptors per call, {@code [client]} and {@code [route=search, client]}) over 100,000 clients.
 * First saturated: {@code inFlight} calls kept in flight, each answer sending the next call from
 * the client's event loop (a closed loop with no thread hand-off per call); then paced at half that
 * rate (or at {@code pacedRate}) by a task on the client's event loop (latency percentiles,
 * measured from each call's scheduled time, so a stall is not hidden; the task runs every 100 µs,
 * so a call may wait up to that for it, 50 µs on average, included). The client runs its own event
 * loop ({@code clientThreads}, epoll where it loads) over {@code channels} HTTP/2 connections, with
 * direct executors. Not a test: run it by hand, or through {@code sluice-bench/rls/run.sh}, which
 * runs it against a separate server process (the rate limit service in memory and on Redis, an
 * empty gRPC server as the ceiling of gRPC on the machine) and wrk against Sluice's own {@code POST
 * /v1/check}, in one go.
 *
 * <pre>
 * java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.RlsLoad memory|redis://HOST:PORT|empty
 *     [seconds=10] [inFlight=256] [host:port of a running server, else one in this process]
 *     [server pid, for its CPU per decision] [channels=2] [clientThreads=1]
 *     [warm-up seconds=seconds/2, at least 3] [pacedRate per second=half the saturated rate]
 *     [the server's /metrics URL, for its own p99 decision time while paced]
 * java -cp sluice-bench/target/benchmarks.jar dev.sluice.bench.RlsLoad serve-empty PORT
 * </pre>
 *
 * <p>{@code serve-empty} serves a rate limit service that answers every call {@code OK} without
 * deciding anything: the same protos, transport and server settings as {@link RateLimitServer}, so
 * what it reaches is the most gRPC itself allows on the machine, and the service's rate over it is
 * the share left to the engine.
 */
public final class RlsLoad {
  private static final int CLIENTS = 100_000;

  private RlsLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("serve-empty")) {
      Server empty = emptyServer(Integer.parseInt(args[1]));
      System.out.println("empty rate limit service on port " + empty.getPort());
      empty.awaitTermination();
      return;
    }
    String store = args.length > 0 ? args[0] : "memory";
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    String target = args.length > 3 && !args[3].equals("-") ? args[3] : null;
    long serverPid =
        args.length > 4 && !args[4].equals("-")
            ? Long.parseLong(args[4])
            : ProcessHandle.current().pid();
    int channelCount = args.length > 5 ? Integer.parseInt(args[5]) : 2;
    int clientThreads = args.length > 6 ? Integer.parseInt(args[6]) : 1;
    int warmup = args.length > 7 ? Integer.parseInt(args[7]) : Math.max(3, seconds / 2);
    long pacedRate = args.length > 8 ? Long.parseLong(args[8]) : 0; // 0: half the saturated rate
    URI metrics = args.length > 9 ? URI.create(args[9]) : null; // the server's /metrics

    RateLimitServer server = null;
    Server emptyServer = null;
    Store buckets = null;
    String host = "127.0.0.1";
    int port;
    if (target == null && store.equals("empty")) {
      emptyServer = emptyServer(0);
      port = emptyServer.getPort();
    } else if (target == null) {
      buckets = store.equals("memory") ? InMemoryStore.create() : RedisStore.builder(store).build();
      Path config = Path.of("examples", "envoy", "ipto.yaml");
      EnvoyRateLimiter limiter =
          EnvoyRateLimiter.builder(
                  RatelimitConfig.parse(Files.readString(config), config.toString()))
              .store(buckets)
              .build();
      server = RateLimitServer.start(limiter, host, 0);
      port = server.port();
    } else {
      host = target.substring(0, target.lastIndexOf(':'));
      port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
    }
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup loop =
        new MultiThreadIoEventLoopGroup(
            clientThreads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    List<ManagedChannel> channels = new ArrayList<>();
    List<RateLimitServiceGrpc.RateLimitServiceStub> stubs = new ArrayList<>();
    for (int i = 0; i < channelCount; i++) {
      ManagedChannel c =
          NettyChannelBuilder.forAddress(host, port)
              .usePlaintext()
              .directExecutor()
              .eventLoopGroup(loop)
              .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
              .build();
      channels.add(c);
      stubs.add(RateLimitServiceGrpc.newStub(c));
    }
    RateLimitRequest[] requests = new RateLimitRequest[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
      String client = "Bearer tok-" + i;
      requests[i] =
          RateLimitRequest.newBuilder()
              .setDomain("ipto")
              .addDescriptors(descriptor("client", client))
              .addDescriptors(descriptor("route", "search", "client", client))
              .build();
    }
    System.out.printf(
        "RLS load: store %s, %s, %d in flight over %d channels, %d client thread(s) (%s),"
            + " %d s warm-up, %d s per phase, %d cores%n",
        store,
        target == null ? "server in this JVM" : "server " + target,
        inFlight,
        channelCount,
        clientThreads,
        epoll ? "epoll" : "nio",
        warmup,
        seconds,
        Runtime.getRuntime().availableProcessors());

    saturate(stubs, requests, inFlight, warmup, serverPid); // client and server both compile
    Result full = saturate(stubs, requests, inFlight, seconds, serverPid);
    System.out.printf(
        "saturated: %,.0f decisions/s (%,d calls, %d errors, %d over limit), server CPU %.1f us"
            + " per decision%n",
        full.rate(), full.calls, full.errors, full.over, full.cpuMicrosPerCall());
    long paceAt = pacedRate > 0 ? pacedRate : Math.max(1, (long) (full.rate() / 2));
    long[] latencies = new long[(int) Math.min(Integer.MAX_VALUE - 8, paceAt * seconds + 1024)];
    long[] histogramBefore = metrics == null ? null : decisionHistogram(metrics);
    Result paced = paced(loop, stubs, requests, inFlight, seconds, paceAt, latencies, serverPid);
    long[] histogramAfter = metrics == null ? null : decisionHistogram(metrics);
    long[] l = Arrays.copyOf(latencies, (int) Math.min(paced.calls, latencies.length));
    Arrays.sort(l);
    System.out.printf(
        "paced at %,d/s: %,.0f decisions/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms,"
            + " server CPU %.1f us per decision%n",
        paceAt,
        paced.rate(),
        pct(l, 0.50),
        pct(l, 0.99),
        pct(l, 0.999),
        l.length == 0 ? 0 : l[l.length - 1] / 1e6,
        paced.cpuMicrosPerCall());
    if (histogramBefore != null) {
      System.out.printf(
          "paced, in the server (its sluice_decision_seconds histogram): p99 %s%n",
          p99Bound(histogramBefore, histogramAfter));
    }

    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    if (server != null) {
      server.close();
    }
    if (emptyServer != null) {
      emptyServer.shutdownNow();
    }
    if (buckets != null) {
      buckets.close();
    }
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0
        ? 0
        : sorted[(int) Math.min(sorted.length - 1, sorted.length * p)] / 1e6;
  }

  private static RateLimitDescriptor descriptor(String... kv) {
    RateLimitDescriptor.Builder b = RateLimitDescriptor.newBuilder();
    for (int i = 0; i < kv.length; i += 2) {
      b.addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(kv[i]).setValue(kv[i + 1]));
    }
    return b.build();
  }

  private record Result(long calls, long errors, long over, long nanos, long cpuNanos) {
    double rate() {
      return calls * 1e9 / nanos;
    }

    double cpuMicrosPerCall() {
      return calls == 0 ? 0 : cpuNanos / 1e3 / calls;
    }
  }

  private static final String[] DECISION_BUCKETS = {
    "2.5E-6", "5.0E-6", "1.0E-5", "2.5E-5", "5.0E-5", "1.0E-4", "2.5E-4", "5.0E-4", "0.001",
    "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "1.0", "+Inf"
  };

  /** The cumulative counts of the server's decision-time histogram, per bucket bound. */
  private static long[] decisionHistogram(URI metrics) throws Exception {
    String text =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
            .body();
    long[] counts = new long[DECISION_BUCKETS.length];
    for (String line : text.split("\n")) {
      for (int i = 0; i < DECISION_BUCKETS.length; i++) {
        if (line.startsWith("sluice_decision_seconds_bucket{le=\"" + DECISION_BUCKETS[i] + "\"}")) {
          counts[i] = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    }
    return counts;
  }

  /** The smallest bucket bound holding 99% of the decisions made between two readings, as text. */
  private static String p99Bound(long[] before, long[] after) {
    long total = after[after.length - 1] - before[before.length - 1];
    if (total <= 0) {
      return "unknown (no sluice_decision_seconds_bucket series counted the paced calls)";
    }
    for (int i = 0; i < after.length; i++) {
      if (after[i] - before[i] >= 0.99 * total) {
        return "<= " + DECISION_BUCKETS[i] + " s";
      }
    }
    return "<= +Inf s";
  }

  /**
   * Calls at {@code perSecond} for {@code seconds}, recording each call's latency from its
   * scheduled start in {@code latencies}. The calls are sent by a task on one of the client's event
   * loops, every 100 µs sending those whose time has come: a separate pacing thread would compete
   * with the event loops for the cores, and its own scheduling delays would show as the service's
   * latency. A call that finds {@code inFlight} calls unanswered waits, and its latency counts
   * that.
   */
  private static Result paced(
      EventLoopGroup loop,
      List<RateLimitServiceGrpc.RateLimitServiceStub> stubs,
      RateLimitRequest[] requests,
      int inFlight,
      int seconds,
      long perSecond,
      long[] latencies,
      long serverPid)
      throws Exception {
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong over = new AtomicLong();
    AtomicLong unanswered = new AtomicLong();
    long total = perSecond * seconds;
    if (perSecond <= 0) {
      throw new IllegalArgumentException("a paced rate must be at least 1 a second: " + perSecond);
    }
    long interval = 1_000_000_000L / perSecond;
    long[] sent = {0}; // touched by the pacing task only
    CountDownLatch allSent = new CountDownLatch(1);
    long cpu0 = cpuNanos(serverPid);
    long start = System.nanoTime();
    Runnable tick =
        () -> {
          long now = System.nanoTime();
          while (sent[0] < total && unanswered.get() < inFlight) {
            long index = sent[0];
            long scheduled = start + index * interval;
            if (scheduled > now) {
              break;
            }
            sent[0]++;
            unanswered.incrementAndGet();
            stubs
                .get((int) (index % stubs.size()))
                .shouldRateLimit(
                    requests[(int) (index % requests.length)],
                    new StreamObserver<RateLimitResponse>() {
                      @Override
                      public void onNext(RateLimitResponse r) {
                        if (index < latencies.length) {
                          latencies[(int) index] = System.nanoTime() - scheduled;
                        }
                        if (r.getOverallCode() == RateLimitResponse.Code.OVER_LIMIT) {
                          over.incrementAndGet();
                        }
                      }

                      @Override
                      public void onError(Throwable t) {
                        errors.incrementAndGet();
                        done.incrementAndGet();
                        unanswered.decrementAndGet();
                      }

                      @Override
                      public void onCompleted() {
                        done.incrementAndGet();
                        unanswered.decrementAndGet();
                      }
                    });
          }
          if (sent[0] >= total) {
            allSent.countDown();
          }
        };
    ScheduledFuture<?> pacing =
        loop.next().scheduleAtFixedRate(tick, 0, 100, TimeUnit.MICROSECONDS);
    if (!allSent.await(seconds + 60L, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the pacing task stopped before sending every call");
    }
    pacing.cancel(false);
    while (unanswered.get() > 0) {
      LockSupport.parkNanos(100_000);
    }
    long nanos = System.nanoTime() - start;
    return new Result(done.get(), errors.get(), over.get(), nanos, cpuNanos(serverPid) - cpu0);
  }

  /**
   * Keeps {@code inFlight} calls going for {@code seconds}: each answer sends the next call from
   * the thread that received it (the client's event loop), so no thread hands a call to another.
   */
  private static Result saturate(
      List<RateLimitServiceGrpc.RateLimitServiceStub> stubs,
      RateLimitRequest[] requests,
      int inFlight,
      int seconds,
      long serverPid)
      throws InterruptedException {
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong over = new AtomicLong();
    AtomicLong sent = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(inFlight);
    long cpu0 = cpuNanos(serverPid);
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    for (int i = 0; i < inFlight; i++) {
      new Object() {
        void next() {
          long n = sent.getAndIncrement();
          stubs
              .get((int) (n % stubs.size()))
              .shouldRateLimit(
                  requests[(int) (n % requests.length)],
                  new StreamObserver<RateLimitResponse>() {
                    @Override
                    public void onNext(RateLimitResponse r) {
                      if (r.getOverallCode() == RateLimitResponse.Code.OVER_LIMIT) {
                        over.incrementAndGet();
                      }
                    }

                    @Override
                    public void onError(Throwable t) {
                      errors.incrementAndGet();
                      after();
                    }

                    @Override
                    public void onCompleted() {
                      after();
                    }
                  });
        }

        void after() {
          done.incrementAndGet();
          if (System.nanoTime() < end) {
            next();
          } else {
            finished.countDown();
          }
        }
      }.next();
    }
    finished.await();
    long nanos = System.nanoTime() - start;
    return new Result(done.get(), errors.get(), over.get(), nanos, cpuNanos(serverPid) - cpu0);
  }

  /** A rate limit service that answers OK at once, served as {@link RateLimitServer} serves. */
  private static Server emptyServer(int port) throws java.io.IOException {
    RateLimitResponse ok =
        RateLimitResponse.newBuilder()
            .setOverallCode(RateLimitResponse.Code.OK)
            .addStatuses(
                RateLimitResponse.DescriptorStatus.newBuilder().setCode(RateLimitResponse.Code.OK))
            .addStatuses(
                RateLimitResponse.DescriptorStatus.newBuilder().setCode(RateLimitResponse.Code.OK))
            .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(
            new RateLimitServiceGrpc.RateLimitServiceImplBase() {
              @Override
              public void shouldRateLimit(
                  RateLimitRequest request, StreamObserver<RateLimitResponse> response) {
                response.onNext(ok);
                response.onCompleted();
              }
            })
        .directExecutor()
        .build()
        .start();
  }

  /** The CPU time process {@code pid} has used, from /proc (Linux), else this JVM's. */
  private static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
      return ticks * 10_000_000L; // USER_HZ 100
    } catch (Exception e) {
      return ((com.sun.management.OperatingSystemMXBean)
              ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
    }
  }
}
