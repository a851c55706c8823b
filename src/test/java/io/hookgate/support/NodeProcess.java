package io.hookgate.support;

import io.hookgate.Hookgate;
import io.hookgate.Main;
import io.hookgate.config.ConfigSource;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A gateway node in its own JVM, configured the way operators do it: conf/hookgate.yaml plus
 * HOOKGATE_* environment variables. It can be killed with SIGKILL to test what a crash loses.
 */
public final class NodeProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private NodeProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code io.hookgate.Main} with every leaf of {@code tree} passed as an environment variable. */
  public static NodeProcess start(JsonObject tree) {
    return start(tree, "-Xmx512m");
  }

  public static NodeProcess start(JsonObject tree, String... jvmOptions) {
    try {
      Path log = Files.createTempFile("hookgate-node", ".log");
      java.util.List<String> command = new java.util.ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(java.util.List.of(jvmOptions));
      command.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
      ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
      env(tree, "", builder.environment());
      return new NodeProcess(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void env(JsonObject node, String prefix, Map<String, String> env) {
    for (String field : node.fieldNames()) {
      String path = prefix.isEmpty() ? field : prefix + "." + field;
      Object value = node.getValue(field);
      if (value instanceof JsonObject child) {
        env(child, path, env);
      } else if (value instanceof JsonArray list) {
        env.put(ConfigSource.envName(path), list.stream().map(String::valueOf).collect(Collectors.joining(",")));
      } else if (value != null) {
        env.put(ConfigSource.envName(path), String.valueOf(value));
      }
    }
  }

  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  /** Waits (bounded) until the node says it is running. */
  public NodeProcess awaitRunning(long timeoutMs) {
    Receiver.eventually(() -> output().contains("Hookgate is running.") || !process.isAlive(), timeoutMs, "node to start");
    if (!process.isAlive()) {
      throw new IllegalStateException("node exited: " + output());
    }
    return this;
  }

  public long pid() {
    return process.pid();
  }

  /** SIGTERM, as Kubernetes stops a pod: the node drains and exits; waits for it (bounded). */
  public void terminate() {
    process.destroy();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGKILL: no shutdown hook, no drain, nothing written on the way out. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
