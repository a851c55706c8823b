package io.hookgate.ops;

import io.hookgate.config.ConfigSource;
import io.hookgate.http.ApiContract;
import io.hookgate.http.Operations;
import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Set;
import java.util.TreeSet;

import static io.vertx.core.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpsAndContractTest {
  @RegisterExtension
  static final TestGateway gw = TestGateway.perClass();

  @Test
  void healthAndReadiness() {
    HttpResponse<Buffer> health = gw.send(GET, "/health", null, null);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    HttpResponse<Buffer> ready = gw.send(GET, "/ready", null, null);
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getString("database")).isEqualTo("UP");
  }

  @Test
  void metricsArePrometheusTextWithHttpServerMetrics() {
    gw.send(GET, "/health", null, null);
    HttpResponse<Buffer> metrics = gw.send(GET, "/metrics", null, null);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.getHeader("Content-Type")).startsWith("text/plain");
    assertThat(metrics.bodyAsString()).contains("vertx_http_server_requests_total").contains("route=\"/health\"");
  }

  @Test
  void theContractIsServedAsWritten() {
    HttpResponse<Buffer> doc = gw.send(GET, "/openapi.yaml", null, null);
    assertThat(doc.statusCode()).isEqualTo(200);
    assertThat(doc.getHeader("Content-Type")).startsWith("application/yaml");
    assertThat(doc.bodyAsString()).isEqualTo(ApiContract.load().text());
    JsonObject parsed = ConfigSource.parseYaml(doc.bodyAsString(), "served");
    assertThat(parsed.getString("openapi")).startsWith("3.1");
  }

  /** Every route the gateway serves is in the document, and every operation of the document is served. */
  @Test
  void routesInCodeAndInTheDocumentAreTheSame() {
    JsonObject paths = ConfigSource.parseYaml(ApiContract.load().text(), "openapi").getJsonObject("paths");
    Set<String> documented = new TreeSet<>();
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        if (Set.of("get", "post", "put", "patch", "delete").contains(method)) {
          documented.add(method.toUpperCase() + " " + path.replaceAll("\\{([^}]+)}", ":$1"));
        }
      }
    }
    assertThat(documented).hasSizeGreaterThan(15);
    assertThat(gw.gateway().routes()).isEqualTo(documented);
  }

  /** The mechanism behind the check above fails loudly in both directions. */
  @Test
  void operationsRefuseUnknownAndUnboundOperations() {
    Vertx vertx = gw.vertx();
    OpenAPIContract contract = TestGateway.await(OpenAPIContract.from(vertx, ApiContract.load().forValidation()));
    Operations ops = new Operations(vertx, RouterBuilder.create(vertx, contract), contract, operation -> null, 1024);
    assertThatThrownBy(() -> ops.on("notInTheDocument", ctx -> { }))
      .hasMessageContaining("notInTheDocument is not in openapi.yaml");
    ops.on("getHealth", ctx -> { });
    assertThatThrownBy(() -> ops.on("getHealth", ctx -> { })).hasMessageContaining("bound twice");
    assertThatThrownBy(ops::checkComplete).hasMessageContaining("without a handler").hasMessageContaining("createWebhook");
  }
}
