package io.hookgate.config;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the node's configuration came from, so it can be read again while the node runs: the file, the
 * environment laid over it, and the tree as it was read at start-up (defaults and environment applied).
 */
public record ConfigFile(Path path, Map<String, String> env, JsonObject loaded) {
  /** Reads {@code path} with {@code env} over it. */
  public static ConfigFile read(Path path, Map<String, String> env) {
    return new ConfigFile(path, Map.copyOf(env), ConfigSource.load(path, env));
  }

  public HookgateConfig config() {
    return HookgateConfig.from(loaded);
  }
}
