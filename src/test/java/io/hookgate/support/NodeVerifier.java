package io.hookgate.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Checks webhook signatures with an implementation we did not write: Node's built-in {@code crypto},
 * following each platform's published recipe ({@code src/test/resources/dialects/verify.js}). Bounded in
 * time; a machine without {@code node} fails the test rather than skipping it.
 */
public final class NodeVerifier {
  private static final Path SCRIPT = Path.of("src", "test", "resources", "dialects", "verify.js");
  private static final long TIMEOUT_S = 30;

  /** One request to verify with one secret, as a receiver got it. */
  public record Case(String scheme, String secret, Map<String, String> headers, Map<String, String> query, String body) {
    JsonObject toJson() {
      JsonObject h = new JsonObject();
      headers.forEach((k, v) -> h.put(k.toLowerCase(), v));
      return new JsonObject().put("scheme", scheme).put("secret", secret).put("headers", h)
        .put("query", new JsonObject(new java.util.HashMap<>(query))).put("body", body);
    }
  }

  private NodeVerifier() {
  }

  /** A case from a request a test receiver got. */
  public static Case of(String scheme, String secret, Receiver.Received request) {
    Map<String, String> headers = new java.util.HashMap<>();
    request.headers().forEach((k, v) -> headers.put(k, v.get(0)));
    return new Case(scheme, secret, headers, request.queryParams(), request.body());
  }

  /** Whether each case verifies, in order. */
  public static List<Boolean> verify(List<Case> cases) {
    JsonArray input = new JsonArray();
    cases.forEach(c -> input.add(c.toJson()));
    Process node;
    try {
      node = new ProcessBuilder("node", SCRIPT.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new AssertionError("node is required to verify signatures independently: " + e.getMessage(), e);
    }
    try (OutputStream stdin = node.getOutputStream()) {
      stdin.write(input.encode().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      node.destroyForcibly();
      throw new AssertionError("writing to node failed", e);
    }
    try {
      if (!node.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
        node.destroyForcibly();
        throw new AssertionError("node did not finish within " + TIMEOUT_S + " s");
      }
      String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (node.exitValue() != 0) {
        throw new AssertionError("node exited with " + node.exitValue() + ": " + out);
      }
      List<Boolean> results = new ArrayList<>();
      new JsonArray(out).forEach(v -> results.add((Boolean) v));
      return results;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      node.destroyForcibly();
      throw new AssertionError(e);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  public static boolean verifies(Case c) {
    return verify(List.of(c)).get(0);
  }

  static {
    if (!Files.isReadable(SCRIPT)) {
      throw new IllegalStateException("missing " + SCRIPT.toAbsolutePath());
    }
  }
}
