package io.glint.internal.runtime.control.redis;

import io.glint.internal.runtime.control.store.ControlStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Control state in Redis: one hash per table under {@code glint:<prefix>:<table>}, where the prefix
 * is the URI's path (default {@code default}), so several clusters can share a server. Redis
 * acknowledges a write once it holds it; how it survives a Redis restart is Redis's own persistence
 * setting (AOF or snapshots).
 *
 * <pre>
 * redis://[:password@]host:port[/prefix]
 * </pre>
 */
final class RedisControlStore implements ControlStore {
  private final String display;
  private final String prefix;
  private final JedisPooled redis;

  private RedisControlStore(String display, String prefix, JedisPooled redis) {
    this.display = display;
    this.prefix = prefix;
    this.redis = redis;
  }

  static RedisControlStore open(String spec) {
    URI uri;
    try {
      uri = URI.create(spec);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad Redis address '" + spec + "': " + e.getMessage(), e);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException(
          "bad Redis address '" + spec + "': expected redis://host:port[/prefix]");
    }
    int port = uri.getPort() < 0 ? 6379 : uri.getPort();
    DefaultJedisClientConfig.Builder cfg =
        DefaultJedisClientConfig.builder()
            .ssl("rediss".equals(uri.getScheme()))
            .connectionTimeoutMillis(5_000)
            .socketTimeoutMillis(10_000);
    String userInfo = uri.getUserInfo();
    if (userInfo != null && !userInfo.isEmpty()) {
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        if (colon > 0) {
          cfg.user(userInfo.substring(0, colon));
        }
        cfg.password(userInfo.substring(colon + 1));
      } else {
        cfg.password(userInfo);
      }
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/+", "");
    String prefix = path.isEmpty() ? "default" : path;
    String display = uri.getScheme() + "://" + uri.getHost() + ":" + port + "/" + prefix;
    JedisPooled redis = new JedisPooled(new HostAndPort(uri.getHost(), port), cfg.build());
    try {
      redis.ping();
    } catch (JedisException e) {
      redis.close();
      throw new IllegalStateException(
          "cannot reach control storage " + display + ": " + e.getMessage(), e);
    }
    return new RedisControlStore(display, prefix, redis);
  }

  private byte[] hash(Table t) {
    return ("glint:" + prefix + ":" + t.key()).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void put(Table table, String key, byte[] value) {
    redis.hset(hash(table), key.getBytes(StandardCharsets.UTF_8), value);
  }

  @Override
  public void delete(Table table, String key) {
    redis.hdel(hash(table), key.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public Map<String, byte[]> scan(Table table) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    redis.hgetAll(hash(table)).forEach((k, v) -> out.put(new String(k, StandardCharsets.UTF_8), v));
    return out;
  }

  @Override
  public String describe() {
    return "Redis " + display;
  }

  @Override
  public void close() {
    redis.close();
  }
}
