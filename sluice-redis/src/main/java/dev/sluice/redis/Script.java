package dev.sluice.redis;

import dev.sluice.core.store.Futures;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A Lua script from this package's resources, run by its SHA-1 ({@code EVALSHA}). Redis forgets
 * scripts on restart, failover or {@code SCRIPT FLUSH}; a {@code NOSCRIPT} answer is followed by
 * one {@code EVAL} of the whole script, which also caches it again on that node, so callers never
 * see it.
 */
final class Script {
  static final Script CHARGE = load("charge.lua");
  static final Script REFUND = load("refund.lua");

  final String name;
  final String body;
  final String sha;

  private Script(String name, String body) {
    this.name = name;
    this.body = body;
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
      this.sha = HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JDK has SHA-1", e);
    }
  }

  private static Script load(String name) {
    try (InputStream in = Script.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the sluice-redis jar lacks its script " + name);
      }
      return new Script(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the script " + name, e);
    }
  }

  /** Runs the script on {@code keys} (all in one hash slot) and {@code args}. */
  CompletableFuture<List<Object>> run(
      RedisScriptingAsyncCommands<String, String> redis, String[] keys, String[] args) {
    CompletableFuture<List<Object>> bySha =
        redis.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
    return bySha.exceptionallyCompose(
        e -> {
          if (Futures.cause(e) instanceof RedisNoScriptException) {
            return redis
                .<List<Object>>eval(body, ScriptOutputType.MULTI, keys, args)
                .toCompletableFuture();
          }
          return CompletableFuture.failedFuture(e);
        });
  }
}
