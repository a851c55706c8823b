package io.hookgate.config;

/** A configuration value that Hookgate cannot start with; the message names the key. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
  }
}
