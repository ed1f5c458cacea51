package dev.sluice.bench.spring;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * What each limiter's Servlet filter itself costs a request, without Tomcat, the app or wrk around
 * it: the bench app's context started with Sluice's starter or bucket4j-spring-boot-starter (as
 * run.sh runs it), its filter taken from the context and called with a Spring mock request for
 * {@code GET /assets} from one address and a chain that does nothing. {@code none} is a filter that
 * only calls the chain: the mocks' own cost, to subtract. Run with {@code -t 2} (or more) for many
 * request threads on one key, the case where a lock would hurt.
 *
 * <pre>
 * sluice-bench/spring-boot/filters.sh            # builds, then runs this with JMH
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FilterBenchmark {
  private static final FilterChain NOTHING = (request, response) -> {};

  @Param({"none", "sluice", "bucket4j"})
  public String limiter;

  private ConfigurableApplicationContext context;
  private Filter filter;

  @Setup(Level.Trial)
  public void start() {
    if (limiter.equals("none")) {
      filter = (request, response, chain) -> chain.doFilter(request, response);
      return;
    }
    context =
        SpringApplication.run(
            BenchApplication.class,
            "--server.port=0",
            "--sluice.enabled=" + limiter.equals("sluice"),
            "--bucket4j.enabled=" + limiter.equals("bucket4j"));
    List<Filter> found = new ArrayList<>();
    for (FilterRegistrationBean<?> r : context.getBeansOfType(FilterRegistrationBean.class).values()) {
      found.add(r.getFilter());
    }
    found.addAll(context.getBeansOfType(Filter.class).values());
    String mark = limiter.equals("sluice") ? "dev.sluice" : "giffing";
    filter =
        found.stream()
            .filter(f -> f.getClass().getName().contains(mark))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no " + limiter + " filter in " + found));
    MockHttpServletResponse check = call();
    if (check.getStatus() != 200 || check.getHeaderNames().isEmpty()) {
      throw new IllegalStateException(
          limiter + " answered " + check.getStatus() + " " + check.getHeaderNames());
    }
  }

  @TearDown(Level.Trial)
  public void stop() {
    if (context != null) {
      context.close();
    }
  }

  @Benchmark
  public MockHttpServletResponse filter() throws Exception {
    return call();
  }

  private MockHttpServletResponse call() {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/assets");
    request.setRemoteAddr("10.0.0.1");
    MockHttpServletResponse response = new MockHttpServletResponse();
    try {
      filter.doFilter(request, response, NOTHING);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return response;
  }
}
