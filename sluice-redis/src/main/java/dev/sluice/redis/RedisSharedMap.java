package dev.sluice.redis;

import dev.sluice.core.store.SharedMap;
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
 * A {@link SharedMap} in Redis: one hash, {@code PREFIX:NAME}, holds the entries; each change is
 * also published on the channel {@code PREFIX:NAME:changed} (the entry's field), and every instance
 * subscribed reads the field again. A subscriber that was disconnected resubscribes by itself, but
 * misses what was published meanwhile. Every call blocks up to the store's timeout (at least 2 s),
 * then throws {@link StoreUnavailableException}.
 */
final class RedisSharedMap implements SharedMap {
  private final Connection connection;
  private final String key;
  private final String channel;
  private final Duration timeout;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private StatefulRedisPubSubConnection<String, String> subscription;
  private boolean waitingToSubscribe;
  private boolean closed;

  RedisSharedMap(Connection connection, String key, Duration timeout) {
    this.connection = connection;
    this.key = key;
    this.channel = key + ":changed";
    this.timeout = timeout;
  }

  @Override
  public Map<String, String> getAll() {
    ensureSubscribed();
    return await(connection.all().hgetall(key));
  }

  @Override
  public String get(String field) {
    return await(connection.all().hget(key, field));
  }

  @Override
  public void put(String field, String value) {
    await(connection.all().hset(key, field, value));
    await(connection.all().publish(channel, field));
  }

  @Override
  public void remove(String field) {
    await(connection.all().hdel(key, field));
    await(connection.all().publish(channel, field));
  }

  @Override
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

  @Override
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

  @Override
  public String toString() {
    return "Redis at " + connection.target + " (" + key + ")";
  }
}
