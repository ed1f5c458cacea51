package dev.sluice.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * An HTTP/2 client over a plain socket (prior knowledge) that writes frames byte by byte, so a test
 * can send what no well-behaved client would: streams opened and reset at once, by the hundred.
 * Headers are HPACK-coded with Netty's coder; everything else is written by hand (RFC 9113 section
 * 4.1: length, type, flags, stream id, payload). SETTINGS and PING are acknowledged while reading,
 * as a client must.
 */
final class RawH2 implements AutoCloseable {
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  static final int ACK = 0x1;

  /** One frame read. */
  record Frame(int type, int flags, int stream, byte[] payload) {
    /** The error code of a GOAWAY or RST_STREAM. */
    long errorCode() {
      ByteBuffer b = ByteBuffer.wrap(payload);
      return Integer.toUnsignedLong(b.getInt(type == GOAWAY ? 4 : 0));
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  RawH2(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000); // a guard against a hung test, not a timing
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
    byte[] p = new byte[preface.readableBytes()];
    preface.readBytes(p);
    preface.release();
    pending.write(p);
    frame(SETTINGS, 0, 0, new byte[0]);
    flush();
  }

  /** Queues a request's HEADERS on {@code stream}, ending the stream or not. */
  RawH2 headers(int stream, String method, String path, boolean endStream, String... more) {
    Http2Headers h =
        new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("127.0.0.1");
    for (int i = 0; i < more.length; i += 2) {
      h.add(more[i], more[i + 1]);
    }
    ByteBuf block = Unpooled.buffer();
    try {
      encoder.encodeHeaders(stream, h, block);
      byte[] bytes = new byte[block.readableBytes()];
      block.readBytes(bytes);
      frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, bytes);
    } catch (Http2Exception e) {
      throw new IllegalStateException(e);
    } finally {
      block.release();
    }
    return this;
  }

  /** Queues a RST_STREAM of {@code stream} with CANCEL. */
  RawH2 reset(int stream) {
    frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(0x8).array());
    return this;
  }

  private void frame(int type, int flags, int stream, byte[] payload) {
    ByteBuffer head = ByteBuffer.allocate(9);
    head.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8));
    head.put((byte) payload.length).put((byte) type).put((byte) flags).putInt(stream);
    pending.writeBytes(head.array());
    pending.writeBytes(payload);
  }

  /** Sends what is queued. */
  void flush() {
    try {
      out.write(pending.toByteArray());
      out.flush();
      pending.reset();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next frame, acknowledging SETTINGS and PING on the way; {@code null} at the end. */
  Frame read() throws IOException {
    while (true) {
      byte[] head = new byte[9];
      try {
        in.readFully(head);
      } catch (EOFException | java.net.SocketException end) {
        return null;
      }
      int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | (head[2] & 0xff);
      int type = head[3] & 0xff;
      int flags = head[4] & 0xff;
      int stream = ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fffffff;
      byte[] payload = new byte[length];
      in.readFully(payload);
      if (type == SETTINGS && (flags & ACK) == 0) {
        frame(SETTINGS, ACK, 0, new byte[0]);
        flush();
      } else if (type == PING && (flags & ACK) == 0) {
        frame(PING, ACK, 0, payload);
        flush();
      }
      return new Frame(type, flags, stream, payload);
    }
  }

  /** The next frame of {@code type}, or {@code null} if the connection ends first. */
  Frame readUntil(int type) throws IOException {
    Frame f;
    while ((f = read()) != null && f.type() != type) {
      // skipped
    }
    return f;
  }

  /** Decodes a HEADERS frame's block (one frame, END_HEADERS set). */
  Http2Headers decode(Frame f) {
    ByteBuf block = Unpooled.wrappedBuffer(f.payload());
    try {
      return decoder.decodeHeaders(f.stream(), block);
    } catch (Http2Exception e) {
      throw new IllegalStateException(e);
    } finally {
      block.release();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
