package dev.sluice.spring.boot;

import dev.sluice.core.Answer;
import dev.sluice.core.Decision;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.ClientAddress;
import dev.sluice.core.http.Header;
import dev.sluice.core.http.InvalidRequestException;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Collections;
import java.util.List;

/**
 * Sluice in a Servlet app: decides each request with the engine, adds the policy's rate-limit
 * headers to the app's answer, and answers a refusal itself (429 with the policy's headers and
 * body, 400, 503) as the gateway does. A body is read only for a rule that counts per a field of
 * it, at most {@code sluice.max-body-bytes}, and handed on to the app whole.
 *
 * <p>Registered for {@code REQUEST} dispatches only, so it decides each request once: a forward, an
 * include, an error page or an async re-dispatch of the same request is not charged again. That is
 * what Spring's {@code OncePerRequestFilter} gives, without its request attribute set and removed
 * on every request (each one a walk over the context's attribute listeners).
 */
final class SluiceServletFilter implements Filter {
  private static final System.Logger LOG = System.getLogger("dev.sluice.spring");

  private final SluiceEngine engine;
  private final SluiceKeyResolver resolver;

  SluiceServletFilter(SluiceEngine engine, SluiceKeyResolver resolver) {
    this.engine = engine;
    this.resolver = resolver;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (req instanceof HttpServletRequest request && res instanceof HttpServletResponse response) {
      decide(request, response, chain);
    } else {
      chain.doFilter(req, res);
    }
  }

  private void decide(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Sluice sluice = engine.current();
    boolean shadow = engine.shadow();
    String method = request.getMethod();
    String path;
    try {
      path = sluice.canonicalPath(request.getRequestURI());
    } catch (InvalidRequestException e) {
      refuseOrPass(Responses.badPath(e), shadow, request, response, chain);
      return;
    }
    HttpServletRequest onward = request;
    byte[] body = null;
    if (sluice.needsBody(method, path)) {
      int max = engine.maxBodyBytes();
      if (request.getContentLengthLong() > max) {
        refuseOrPass(Responses.tooLarge(max), shadow, request, response, chain);
        return;
      }
      byte[] read;
      try {
        read = request.getInputStream().readNBytes(max + 1);
      } catch (IOException e) {
        refuseOrPass(Responses.brokenBody(), shadow, request, response, chain);
        return;
      }
      if (read.length > max) {
        if (!shadow) {
          write(response, Responses.tooLarge(max));
          return;
        }
        onward = new ReadBody(request, read, request.getInputStream()); // decided without it
      } else {
        body = read;
        onward = new ReadBody(request, read, null);
      }
    }
    WebRequestView view =
        new ServletView(
            request,
            resolver,
            method,
            path,
            clientAddress(request, sluice),
            request.getQueryString(),
            body);
    Decision d;
    try {
      d = sluice.decide(view);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "deciding " + method + " " + path + " failed", e);
      refuseOrPass(Responses.failed(), shadow, onward, response, chain);
      return;
    }
    Answer answer = Responses.answer(sluice, d, shadow);
    if (answer instanceof Answer.Refuse refuse) {
      write(response, refuse);
      return;
    }
    for (Header h : answer.headers()) {
      response.setHeader(h.name(), h.value());
    }
    chain.doFilter(onward, response);
  }

  /** A Servlet request as the engine sees it, read from the request itself. */
  private static final class ServletView extends WebRequestView {
    private final HttpServletRequest request;
    private final SluiceKeyResolver resolver;

    ServletView(
        HttpServletRequest request,
        SluiceKeyResolver resolver,
        String method,
        String path,
        String clientAddress,
        String rawQuery,
        byte[] body) {
      super(method, path, clientAddress, rawQuery, body);
      this.request = request;
      this.resolver = resolver;
    }

    @Override
    String rawHeader(String name) {
      return request.getHeader(name);
    }

    @Override
    public String principal() {
      Principal p = request.getUserPrincipal();
      return p == null ? null : resolver.resolve(p);
    }
  }

  private static String clientAddress(HttpServletRequest request, Sluice sluice) {
    List<String> forwardedFor =
        sluice.policy().trustedProxies().isEmpty()
            ? List.of()
            : Collections.list(request.getHeaders("X-Forwarded-For"));
    return ClientAddress.resolve(request.getRemoteAddr(), forwardedFor, sluice.policy());
  }

  private static void refuseOrPass(
      Answer.Refuse refusal,
      boolean shadow,
      HttpServletRequest request,
      HttpServletResponse response,
      FilterChain chain)
      throws IOException, ServletException {
    if (shadow) {
      chain.doFilter(request, response);
    } else {
      write(response, refusal);
    }
  }

  /** Sluice's own answer: status, headers, the exact body, not cached. */
  static void write(HttpServletResponse response, Answer.Refuse refusal) throws IOException {
    if (response.isCommitted()) {
      return;
    }
    byte[] bytes = refusal.body().getBytes(StandardCharsets.UTF_8);
    response.setStatus(refusal.status());
    for (Header h : refusal.headers()) {
      response.setHeader(h.name(), h.value());
    }
    response.setHeader("Content-Type", refusal.contentType());
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
    response.flushBuffer();
  }

  /** The request with its body read: the app reads it again, whole, from here. */
  static final class ReadBody extends HttpServletRequestWrapper {
    private final byte[] read;
    private final InputStream rest;
    private ServletInputStream stream;
    private BufferedReader reader;

    ReadBody(HttpServletRequest request, byte[] read, InputStream rest) {
      super(request);
      this.read = read;
      this.rest = rest;
    }

    @Override
    public ServletInputStream getInputStream() {
      if (reader != null) {
        throw new IllegalStateException("getReader() was called for this request");
      }
      if (stream == null) {
        InputStream in = new ByteArrayInputStream(read);
        stream = new BodyStream(rest == null ? in : new SequenceInputStream(in, rest));
      }
      return stream;
    }

    @Override
    public BufferedReader getReader() {
      if (stream != null) {
        throw new IllegalStateException("getInputStream() was called for this request");
      }
      if (reader == null) {
        String encoding = getCharacterEncoding();
        Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
        InputStream in = new ByteArrayInputStream(read);
        reader =
            new BufferedReader(
                new InputStreamReader(
                    rest == null ? in : new SequenceInputStream(in, rest), charset));
      }
      return reader;
    }
  }

  /** A blocking stream over bytes already read. */
  private static final class BodyStream extends ServletInputStream {
    private final InputStream in;
    private boolean finished;

    BodyStream(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      finished = b < 0;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      finished = n < 0;
      return n;
    }

    @Override
    public boolean isFinished() {
      return finished;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setReadListener(ReadListener listener) {
      throw new UnsupportedOperationException("the body was read already: read it blocking");
    }
  }
}
