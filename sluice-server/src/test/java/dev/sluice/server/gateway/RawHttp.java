package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain {@link Socket}, for requests the JDK's client refuses to send (malformed
 * lines, hop-by-hop headers, hand-made chunked bodies) and for responses it would hide (a body cut
 * off mid-stream). One request per connection; the socket's read timeout is only a safety net.
 */
final class RawHttp {
  private RawHttp() {}

  /** A response as it came off the wire. {@code complete} is false if the body was cut off. */
  record Response(int status, Map<String, List<String>> headers, byte[] body, boolean complete) {

    /** The first value of header {@code name} (any case), or {@code null}. */
    String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : values.get(0);
    }

    boolean has(String name) {
      return headers.containsKey(name.toLowerCase(Locale.ROOT));
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The error of a gateway's JSON error body, after checking it is one. */
    JsonObject jsonError() {
      assertThat(header("Content-Type"))
          .as("Content-Type of a %d", status)
          .isEqualTo("application/json");
      String text = text();
      assertThat(text)
          .as("never a stack trace")
          .doesNotContain("Exception")
          .doesNotContain("\tat ");
      JsonObject error = new JsonObject(text).getJsonObject("error");
      assertThat(error).as("{\"error\": {...}} in %s", text).isNotNull();
      assertThat(error.getString("code")).as("error.code in %s", text).isNotBlank();
      assertThat(error.getString("message")).as("error.message in %s", text).isNotBlank();
      return error;
    }
  }

  /** Sends {@code request} (ISO-8859-1 text: one char, one byte) and reads the response. */
  static Response exchange(int port, String request) {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends {@code request} as is and reads the response. */
  static Response exchange(int port, byte[] request) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(request);
      out.flush();
      return read(new java.io.BufferedInputStream(s.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads one response: status line, headers, and the body as its framing says. */
  static Response read(InputStream in) throws IOException {
    String statusLine = line(in);
    if (statusLine == null) {
      throw new EOFException("the connection closed before a response");
    }
    String[] parts = statusLine.split(" ", 3);
    int status = Integer.parseInt(parts[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    String h;
    while ((h = line(in)) != null && !h.isEmpty()) {
      int colon = h.indexOf(':');
      headers
          .computeIfAbsent(
              h.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(h.substring(colon + 1).trim());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    boolean complete;
    List<String> te = headers.get("transfer-encoding");
    List<String> cl = headers.get("content-length");
    if (te != null && te.get(0).equalsIgnoreCase("chunked")) {
      complete = chunked(in, body);
    } else if (cl != null) {
      long length = Long.parseLong(cl.get(0));
      complete = copy(in, body, length) == length;
    } else {
      copy(in, body, Long.MAX_VALUE);
      complete = true; // delimited by the connection's end
    }
    return new Response(status, headers, body.toByteArray(), complete);
  }

  /** Reads a chunked body; false if the connection ended before the last chunk. */
  private static boolean chunked(InputStream in, ByteArrayOutputStream body) throws IOException {
    while (true) {
      String size;
      try {
        size = line(in);
      } catch (IOException e) {
        return false; // reset mid-body
      }
      if (size == null) {
        return false;
      }
      int semi = size.indexOf(';');
      long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
      if (n == 0) {
        String trailer;
        while ((trailer = line(in)) != null && !trailer.isEmpty()) {
          // trailers are not kept
        }
        return true;
      }
      long copied;
      try {
        copied = copy(in, body, n);
      } catch (IOException e) {
        return false;
      }
      if (copied < n || line(in) == null) {
        return false;
      }
    }
  }

  private static long copy(InputStream in, ByteArrayOutputStream out, long n) throws IOException {
    byte[] buf = new byte[8192];
    long copied = 0;
    while (copied < n) {
      int r;
      try {
        r = in.read(buf, 0, (int) Math.min(buf.length, n - copied));
      } catch (java.net.SocketException e) {
        return copied; // reset: what arrived is all there is
      }
      if (r < 0) {
        break;
      }
      out.write(buf, 0, r);
      copied += r;
    }
    return copied;
  }

  /** A CRLF-terminated line without its CRLF, or {@code null} at the end of the stream. */
  /** One CRLF-terminated line without its CRLF; what is left at the end; null once nothing is. */
  static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') {
          sb.setLength(len - 1);
        }
        return sb.toString();
      }
      sb.append((char) c);
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  /** A connection to {@code port} on the loopback address that gives up reading after 30 s. */
  static Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(30_000);
    return s;
  }
}
