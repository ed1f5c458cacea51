package dev.sluice.redis;

import dev.sluice.core.store.StoreUnavailableException;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A small map of strings kept in Redis and shared by every instance on it, which tells each
 * instance when another changes an entry: what the gateway keeps its per-customer overrides in when
 * it runs on Redis, so a change made on one instance applies on all of them at once.
 *
 * <p>One Redis hash, {@code PREFIX:NAME}, holds the entries; each change is also published on the
 * channel {@code PREFIX:NAME:changed} (the entry's field), and every instance subscribed reads the
 * field again. A subscriber that was disconnected resubscribes by itself, but misses what was
 * published meanwhile: callers that must not miss a change re-read the whole map ({@link #getAll})
 * now and then.
 *
 * <p>Meant for a few thousand entries changed by people, not for the request path: every call
 * blocks (up to the store's timeout, then {@link StoreUnavailableException}).
 */
public final class SharedMap implements AutoCloseable {
  private final Connection connection;
  private final String key;
  private final String channel;
  private final Duration timeout;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private StatefulRedisPubSubConnection<String, String> subscription;
  private boolean waitingToSubscribe;
  private boolean closed;

  SharedMap(Connection connection, String key, Duration timeout) {
    this.connection = connection;
    this.key = key;
    this.channel = key + ":changed";
    this.timeout = timeout;
  }

  /**
   * Every entry. A listener given to {@link #subscribe} is subscribed first if it is not yet (Redis
   * was still connecting, or the subscription failed): whatever changes after this read is then
   * told.
   */
  public Map<String, String> getAll() {
    ensureSubscribed();
    return await(connection.all().hgetall(key));
  }

  /** The entry of {@code field}, or {@code null}. */
  public String get(String field) {
    return await(connection.all().hget(key, field));
  }

  /** Sets an entry, then tells every instance. */
  public void put(String field, String value) {
    await(connection.all().hset(key, field, value));
    await(connection.all().publish(channel, field));
  }

  /** Removes an entry (nothing if there is none), then tells every instance. */
  public void remove(String field) {
    await(connection.all().hdel(key, field));
    await(connection.all().publish(channel, field));
  }

  /**
   * Calls {@code listener} with the field of every change made from now on, by any instance (this
   * one included), on a Lettuce thread: it should be quick, or hand the work on. On a store still
   * {@linkplain RedisStore.Builder#connectInBackground connecting in the background}, the
   * subscription is made when it connects (changes made before are not told: read them with {@link
   * #getAll}, for instance from {@link #whenConnected}).
   *
   * @throws StoreUnavailableException if Redis is connected but the subscription failed
   */
  public synchronized void subscribe(Consumer<String> listener) {
    listeners.add(listener);
    if (subscription != null || waitingToSubscribe) {
      return;
    }
    if (!connection.connected()) {
      waitingToSubscribe = true;
      connection.whenConnected(this::ensureSubscribed);
      return;
    }
    try {
      subscribeNow();
    } catch (RuntimeException e) { // not subscribed: the next call tries again
      listeners.remove(listener);
      throw e;
    }
  }

  /** Subscribes the listeners if they are not yet and Redis is connected; else nothing. */
  private synchronized void ensureSubscribed() {
    waitingToSubscribe = false;
    if (subscription == null && !listeners.isEmpty() && !closed && connection.connected()) {
      subscribeNow();
    }
  }

  private void subscribeNow() {
    StatefulRedisPubSubConnection<String, String> s;
    try {
      s = connection.pubSub();
    } catch (StoreUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new StoreUnavailableException(
          "cannot subscribe to "
              + channel
              + " on Redis at "
              + connection.target
              + ": "
              + e.getMessage(),
          e);
    }
    s.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String ch, String field) {
            for (Consumer<String> l : listeners) {
              l.accept(field);
            }
          }
        });
    try {
      await(s.async().subscribe(channel));
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    subscription = s; // once subscribed, Lettuce resubscribes by itself after a reconnection
  }

  /**
   * Runs {@code callback} once this Redis is connected: at once if it is, else when a store
   * {@linkplain RedisStore.Builder#connectInBackground connecting in the background} first succeeds
   * (on its connecting thread, callbacks in the order they were given, a subscription made by
   * {@link #subscribe} among them; a callback that throws is logged).
   */
  public void whenConnected(Runnable callback) {
    connection.whenConnected(callback);
  }

  private <T> T await(io.lettuce.core.RedisFuture<T> f) {
    return await((CompletionStage<T>) f);
  }

  private <T> T await(CompletionStage<T> f) {
    try {
      return f.toCompletableFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while waiting for Redis", e);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      throw new StoreUnavailableException(
          "Redis at "
              + connection.target
              + " did not answer "
              + key
              + " within "
              + timeout.toMillis()
              + " ms: "
              + cause.getMessage(),
          cause);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (subscription != null) {
      subscription.close();
      subscription = null;
    }
  }
}
