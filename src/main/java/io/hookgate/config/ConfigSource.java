package io.hookgate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code conf/hookgate.yaml} and applies environment overrides.
 *
 * <p>Every key present in the file can be overridden by {@code HOOKGATE_} + the key path in upper
 * case with {@code .} and {@code -} as {@code _}. The file is the catalogue of keys: a key it does
 * not contain cannot be set from the environment, which keeps typos from being silently ignored.
 */
public final class ConfigSource {
  static final String ENV_PREFIX = "HOOKGATE_";

  private ConfigSource() {
  }

  /** The shipped {@code conf/hookgate.yaml}, packaged with the code: every key with its default. */
  static final String DEFAULTS = "io/hookgate/config/hookgate.yaml";

  public static JsonObject load(Path file, Map<String, String> env) {
    JsonObject tree = withDefaults(readYaml(file));
    applyEnv(tree, "", env);
    return tree;
  }

  /**
   * {@code tree} laid over the shipped defaults: a key the operator's file leaves out (or sets to nothing)
   * takes the shipped value, so the defaults are written in one place, the file operators read.
   */
  public static JsonObject withDefaults(JsonObject tree) {
    JsonObject merged = defaults();
    overlay(merged, tree);
    return merged;
  }

  private static JsonObject defaults() {
    try (InputStream in = ConfigSource.class.getClassLoader().getResourceAsStream(DEFAULTS)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULTS + " is not on the class path (the build copies conf/hookgate.yaml there)");
      }
      return parseYaml(new String(in.readAllBytes(), StandardCharsets.UTF_8), "the shipped conf/hookgate.yaml");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void overlay(JsonObject base, JsonObject over) {
    for (String name : over.fieldNames()) {
      Object value = over.getValue(name);
      if (value instanceof JsonObject section && base.getValue(name) instanceof JsonObject baseSection) {
        overlay(baseSection, section);
      } else if (value != null) {
        base.put(name, value);
      }
    }
  }

  public static JsonObject readYaml(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("config file", "cannot read " + file.toAbsolutePath() + " (" + e.getMessage() + ")");
    }
    return parseYaml(text, file.toString());
  }

  /** Parses YAML text whose top level is a mapping; {@code source} names it in errors. */
  public static JsonObject parseYaml(String text, String source) {
    Object parsed;
    try {
      parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (RuntimeException e) {
      throw new ConfigException("config file", source + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (parsed == null) {
      return new JsonObject();
    }
    if (!(parsed instanceof Map<?, ?> map)) {
      throw new ConfigException("config file", source + " must hold a YAML mapping at the top level");
    }
    return jsonObject(map);
  }

  public static String envName(String path) {
    return ENV_PREFIX + path.toUpperCase().replace('.', '_').replace('-', '_');
  }

  private static void applyEnv(JsonObject node, String prefix, Map<String, String> env) {
    for (String field : new ArrayList<>(node.fieldNames())) {
      String path = prefix.isEmpty() ? field : prefix + "." + field;
      Object value = node.getValue(field);
      if (value instanceof JsonObject child) {
        applyEnv(child, path, env);
        continue;
      }
      String override = env.get(envName(path));
      if (override != null) {
        node.put(field, value instanceof JsonArray ? splitList(override) : override);
      }
    }
  }

  private static JsonArray splitList(String text) {
    JsonArray list = new JsonArray();
    Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(list::add);
    return list;
  }

  private static JsonObject jsonObject(Map<?, ?> map) {
    JsonObject json = new JsonObject();
    map.forEach((k, v) -> json.put(String.valueOf(k), jsonValue(v)));
    return json;
  }

  private static Object jsonValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      return jsonObject(m);
    }
    if (v instanceof List<?> l) {
      JsonArray array = new JsonArray();
      l.forEach(item -> array.add(jsonValue(item)));
      return array;
    }
    if (v instanceof java.util.Date d) {
      return d.toInstant().toString();
    }
    return v;
  }
}
