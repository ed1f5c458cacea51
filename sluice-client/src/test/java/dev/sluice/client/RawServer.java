package dev.sluice.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A misbehaving HTTP/1.1 server on a real socket, for what {@link TestServer} cannot do: each
 * connection gets the next scripted raw response (the last one from then on), written as is, after
 * which the server either closes the connection or, if the script says so, stalls: it keeps the
 * connection open, sending nothing more, until the client closes it. It reads one request per
 * connection, so every script entry should say {@code Connection: close} or stall.
 */
final class RawServer implements AutoCloseable {
  /** One scripted answer: raw bytes, then close or stall. */
  record Script(String raw, boolean stall) {}

  private final ServerSocket socket;
  private final List<Script> script;
  private final AtomicInteger connections = new AtomicInteger();
  private final CountDownLatch clientClosedStalled = new CountDownLatch(1);
  private final List<Socket> open = new ArrayList<>();
  private final Thread acceptor;

  private RawServer(List<Script> script) throws IOException {
    this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.script = script;
    this.acceptor = new Thread(this::acceptLoop, "raw-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  static RawServer serving(Script... script) throws IOException {
    return new RawServer(List.of(script));
  }

  static Script stalling(String raw) {
    return new Script(raw, true);
  }

  static Script closing(String raw) {
    return new Script(raw, false);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
  }

  int connections() {
    return connections.get();
  }

  /** Whether the client closed a stalled connection within {@code seconds}. */
  boolean clientClosedAStalledConnection(long seconds) throws InterruptedException {
    return clientClosedStalled.await(seconds, TimeUnit.SECONDS);
  }

  private void acceptLoop() {
    while (!socket.isClosed()) {
      try {
        Socket s = socket.accept();
        synchronized (open) {
          open.add(s);
        }
        Script next = script.get(Math.min(connections.getAndIncrement(), script.size() - 1));
        Thread t = new Thread(() -> serve(s, next), "raw-connection");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s, Script answer) {
    try (s) {
      InputStream in = s.getInputStream();
      readHead(in);
      OutputStream out = s.getOutputStream();
      out.write(answer.raw().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      if (answer.stall()) {
        while (in.read() >= 0) {
          // nothing more is sent; wait for the client to give up on the connection
        }
        clientClosedStalled.countDown();
      }
    } catch (IOException e) {
      if (answer.stall()) {
        clientClosedStalled.countDown(); // reset by the client: closed too
      }
    }
  }

  private static void readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
    synchronized (open) {
      for (Socket s : open) {
        s.close();
      }
    }
  }
}
