package io.hookgate.http;

import io.hookgate.config.ConfigSource;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.MediaType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The OpenAPI 3.1 document ({@code src/main/resources/openapi.yaml}): served as written at
 * {@code /openapi.yaml}, and, with the media types vertx-openapi cannot validate removed (form-encoded
 * OAuth requests, YAML and Prometheus text responses), used to build and validate the routes.
 */
public record ApiContract(String text, JsonObject forValidation) {
  public static final String RESOURCE = "openapi.yaml";

  public static ApiContract load() {
    try (InputStream in = ApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new ApiContract(text, validatable(ConfigSource.parseYaml(text, RESOURCE)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonObject validatable(JsonObject document) {
    JsonObject copy = document.copy();
    JsonObject paths = copy.getJsonObject("paths", new JsonObject());
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!(item.getValue(method) instanceof JsonObject operation)) {
          continue;
        }
        JsonObject body = operation.getJsonObject("requestBody");
        if (body != null) {
          keepSupported(body.getJsonObject("content"));
        }
        JsonObject responses = operation.getJsonObject("responses", new JsonObject());
        for (String status : responses.fieldNames()) {
          if (responses.getValue(status) instanceof JsonObject response) {
            JsonObject content = response.getJsonObject("content");
            keepSupported(content);
            if (content != null && content.isEmpty()) {
              response.remove("content");
            }
          }
        }
      }
    }
    return copy;
  }

  private static void keepSupported(JsonObject content) {
    if (content != null) {
      content.fieldNames().removeIf(type -> !MediaType.isMediaTypeSupported(type));
    }
  }
}
