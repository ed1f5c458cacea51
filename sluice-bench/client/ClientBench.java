import dev.sluice.client.GiveUpException;
import dev.sluice.client.Pacing;
import dev.sluice.client.RateLimitListener;
import dev.sluice.client.RateLimitedClient;
import dev.sluice.client.RetryPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One row of sluice-bench/client/run.sh: THREADS threads send REQUESTS GETs through one client
 * configuration to URL, each with its own X-API-Key (so rows running side by side have separate
 * quotas), and print "config | 200s | gave up | 429s seen | seconds". Run with the source launcher.
 *
 *   java -cp CLASSPATH ClientBench.java CONFIG URL [REQUESTS] [THREADS]
 *
 * CONFIG: readme (the README's example before issue #22: spread, 4 attempts, 2-minute deadline),
 * default (RateLimitedClient.builder(http).build()), assumed (spread().assumingWindow(10 s)),
 * okhttp (OkHttp with SluiceInterceptor.create()), spring (RestClient with
 * SluiceSpring.interceptor()), apache (HttpClient 5 with SluiceApache.handler()).
 */
public class ClientBench {
  public static void main(String[] args) throws Exception {
    String config = args[0];
    URI uri = URI.create(args[1]);
    int requests = args.length > 2 ? Integer.parseInt(args[2]) : 300;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 20;
    String key = "bench-" + config + "-" + ProcessHandle.current().pid();
    AtomicInteger limited = new AtomicInteger();
    RateLimitListener count =
        new RateLimitListener() {
          @Override
          public void onRetry(HttpRequest request, int attempt, int status) {
            if (status == 429) {
              limited.incrementAndGet();
            }
          }

          @Override
          public void onGiveUp(HttpRequest request, GiveUpException e) {
            if (e.lastResponse() != null && e.lastResponse().statusCode() == 429) {
              limited.incrementAndGet();
            }
          }
        };
    Function<Integer, Integer> send = sender(config, uri, key, count);
    AtomicInteger toSend = new AtomicInteger(requests);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger gaveUp = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      pool.execute(
          () -> {
            while (toSend.getAndDecrement() > 0) {
              int status = send.apply(0);
              if (status == 200) {
                ok.incrementAndGet();
              } else {
                gaveUp.incrementAndGet();
              }
            }
          });
    }
    pool.shutdown();
    if (!pool.awaitTermination(15, TimeUnit.MINUTES)) {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "| %s | %d | %d | %d | %.1f |%n", config, ok.get(), gaveUp.get(), limited.get(), seconds);
  }

  private static Function<Integer, Integer> sender(
      String config, URI uri, String key, RateLimitListener count) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    RateLimitedClient client =
        switch (config) {
          case "readme" ->
              RateLimitedClient.builder(http)
                  .policy(
                      RetryPolicy.builder()
                          .maxAttempts(4)
                          .deadline(Duration.ofMinutes(2))
                          .build())
                  .pacing(Pacing.spread())
                  .listener(count)
                  .build();
          case "default" -> RateLimitedClient.builder(http).listener(count).build();
          case "assumed" ->
              RateLimitedClient.builder(http)
                  .pacing(Pacing.spread().assumingWindow(Duration.ofSeconds(10)))
                  .listener(count)
                  .build();
          default -> null;
        };
    if (client != null) {
      return ignored -> {
        try {
          return client
              .send(
                  HttpRequest.newBuilder(uri).header("X-API-Key", key).build(),
                  BodyHandlers.discarding())
              .statusCode();
        } catch (Exception e) {
          return -1;
        }
      };
    }
    if (config.equals("okhttp")) {
      okhttp3.OkHttpClient ok =
          new okhttp3.OkHttpClient.Builder()
              .addInterceptor(
                  dev.sluice.client.okhttp.SluiceInterceptor.create(
                      dev.sluice.client.RateLimitEngine.builder().listener(count).build()))
              .build();
      return ignored -> {
        try (okhttp3.Response r =
            ok.newCall(new okhttp3.Request.Builder().url(uri.toString()).header("X-API-Key", key).build())
                .execute()) {
          return r.code();
        } catch (Exception e) {
          return -1;
        }
      };
    }
    if (config.equals("spring")) {
      org.springframework.web.client.RestClient rest =
          org.springframework.web.client.RestClient.builder()
              .requestFactory(new org.springframework.http.client.JdkClientHttpRequestFactory(http))
              .requestInterceptor(
                  dev.sluice.client.spring.SluiceSpring.interceptor(
                      dev.sluice.client.RateLimitEngine.builder().listener(count).build()))
              .build();
      return ignored -> {
        try {
          return rest.get()
              .uri(uri)
              .header("X-API-Key", key)
              .retrieve()
              .onStatus(s -> true, (req, res) -> {})
              .toBodilessEntity()
              .getStatusCode()
              .value();
        } catch (Exception e) {
          return -1;
        }
      };
    }
    if (config.equals("apache")) {
      org.apache.hc.client5.http.impl.classic.CloseableHttpClient apache =
          org.apache.hc.client5.http.impl.classic.HttpClients.custom()
              .addExecInterceptorFirst(
                  dev.sluice.client.apache.SluiceApache.NAME,
                  dev.sluice.client.apache.SluiceApache.handler(
                      dev.sluice.client.RateLimitEngine.builder().listener(count).build()))
              .disableAutomaticRetries()
              .setConnectionManager(
                  org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder
                      .create()
                      .setMaxConnPerRoute(64)
                      .setMaxConnTotal(64)
                      .build())
              .build();
      return ignored -> {
        try {
          var get = new org.apache.hc.client5.http.classic.methods.HttpGet(uri);
          get.setHeader("X-API-Key", key);
          return apache.execute(get, r -> r.getCode());
        } catch (Exception e) {
          return -1;
        }
      };
    }
    throw new IllegalArgumentException("unknown configuration " + config);
  }
}
