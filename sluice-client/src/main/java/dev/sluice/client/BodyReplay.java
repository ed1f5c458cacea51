package dev.sluice.client;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * Body plumbing for the cache, on the caller's own {@code BodySubscriber}s so that any {@code
 * BodyHandler} (string, bytes, file, stream, JSON mapper) works with a cached body:
 *
 * <ul>
 *   <li>{@link #replay}: feeds stored bytes to a subscriber, as if they came from the network;
 *   <li>{@link #tee}: passes a network body through to the caller's subscriber while keeping a copy
 *       for the cache (dropped if it grows beyond the cache's size);
 *   <li>{@link #abandoned}: cancels the body of a response that will be retried;
 *   <li>{@link #revalidated}: for a 304, drains the (empty) network body and then replays the
 *       stored one to the caller's subscriber.
 * </ul>
 */
final class BodyReplay {
  /** A subscription with nothing to deliver, for subscribers that only get an error. */
  private static final Flow.Subscription NOTHING =
      new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
      };

  private BodyReplay() {}

  /** Subscribes {@code subscriber} to {@code body} and returns it. */
  static <T> BodySubscriber<T> replay(BodySubscriber<T> subscriber, byte[] body) {
    subscriber.onSubscribe(new OneShot(subscriber, body));
    return subscriber;
  }

  /** {@code downstream}, with a copy of the body given to {@code sink} if it is complete. */
  static <T> BodySubscriber<T> tee(
      BodySubscriber<T> downstream, long maxBytes, Consumer<byte[]> sink) {
    return new Tee<>(downstream, maxBytes, sink);
  }

  /**
   * A subscriber for the body of a response that will be retried: it cancels the body at once
   * (closing an HTTP/1.1 connection, resetting an HTTP/2 stream) and completes without waiting for
   * it. Draining it instead would leave the retry at the mercy of the server: a body that stalls is
   * not bounded by the request's timeout, which ends when the headers arrive.
   */
  static <T> BodySubscriber<T> abandoned() {
    return new Abandoned<>();
  }

  /** A subscriber that ignores the network body and then replays {@code stored}. */
  static <T> BodySubscriber<T> revalidated(BodySubscriber<T> downstream, byte[] stored) {
    return new Revalidated<>(downstream, stored);
  }

  /** Delivers one buffer on the first request, then completes; reentrancy-safe. */
  private static final class OneShot implements Flow.Subscription {
    private final Flow.Subscriber<? super List<ByteBuffer>> subscriber;
    private final byte[] body;
    private boolean done;

    OneShot(Flow.Subscriber<? super List<ByteBuffer>> subscriber, byte[] body) {
      this.subscriber = subscriber;
      this.body = body;
    }

    @Override
    public synchronized void request(long n) {
      if (done) {
        return;
      }
      done = true;
      if (n <= 0) {
        subscriber.onError(new IllegalArgumentException("non-positive request: " + n));
        return;
      }
      if (body.length > 0) {
        subscriber.onNext(List.of(ByteBuffer.wrap(body).asReadOnlyBuffer()));
      }
      subscriber.onComplete();
    }

    @Override
    public synchronized void cancel() {
      done = true;
    }
  }

  private static final class Tee<T> implements BodySubscriber<T> {
    private final BodySubscriber<T> downstream;
    private final long maxBytes;
    private final Consumer<byte[]> sink;
    private ByteArrayOutputStream copy = new ByteArrayOutputStream();

    Tee(BodySubscriber<T> downstream, long maxBytes, Consumer<byte[]> sink) {
      this.downstream = downstream;
      this.maxBytes = maxBytes;
      this.sink = sink;
    }

    @Override
    public CompletionStage<T> getBody() {
      return downstream.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      downstream.onSubscribe(subscription);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (copy != null) {
        for (ByteBuffer b : items) {
          ByteBuffer d = b.duplicate(); // the caller's subscriber will consume b itself
          if (copy.size() + (long) d.remaining() > maxBytes) {
            copy = null;
            break;
          }
          byte[] chunk = new byte[d.remaining()];
          d.get(chunk);
          copy.writeBytes(chunk);
        }
      }
      downstream.onNext(items);
    }

    @Override
    public void onError(Throwable throwable) {
      copy = null;
      downstream.onError(throwable);
    }

    @Override
    public void onComplete() {
      if (copy != null) {
        sink.accept(copy.toByteArray());
        copy = null;
      }
      downstream.onComplete();
    }
  }

  private static final class Abandoned<T> implements BodySubscriber<T> {
    private final CompletableFuture<T> body = CompletableFuture.completedFuture(null);

    @Override
    public CompletionStage<T> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.cancel();
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      // cancelled: anything still delivered is dropped
    }

    @Override
    public void onError(Throwable throwable) {
      // the body is not wanted; neither is its failure
    }

    @Override
    public void onComplete() {}
  }

  private static final class Revalidated<T> implements BodySubscriber<T> {
    private final BodySubscriber<T> downstream;
    private final byte[] stored;

    Revalidated(BodySubscriber<T> downstream, byte[] stored) {
      this.downstream = downstream;
      this.stored = stored;
    }

    @Override
    public CompletionStage<T> getBody() {
      return downstream.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      // a 304 has no body; anything sent anyway is dropped
    }

    @Override
    public void onError(Throwable throwable) {
      downstream.onSubscribe(NOTHING);
      downstream.onError(throwable);
    }

    @Override
    public void onComplete() {
      replay(downstream, stored);
    }
  }
}
