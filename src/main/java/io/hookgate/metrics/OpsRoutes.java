package io.hookgate.metrics;

import io.hookgate.http.Operations;
import io.hookgate.http.Responses;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.sqlclient.Pool;

/**
 * Operations endpoints: {@code /health} (the process is alive), {@code /ready} (it can serve: the
 * database answers), {@code /metrics} (Prometheus text) and {@code /openapi.yaml} (the API contract).
 */
public final class OpsRoutes {
  private final Pool pool;
  private final PrometheusMeterRegistry registry;
  private final String openApiText;

  public OpsRoutes(Pool pool, PrometheusMeterRegistry registry, String openApiText) {
    this.pool = pool;
    this.registry = registry;
    this.openApiText = openApiText;
  }

  public void mount(Operations ops) {
    ops.on("getHealth", this::health)
      .on("getReady", this::ready)
      .on("getMetrics", PrometheusScrapingHandler.create(registry))
      .on("getOpenApi", this::openApi);
  }

  private void health(RoutingContext ctx) {
    Responses.send(ctx, 200, new JsonObject().put("status", "UP"));
  }

  private void ready(RoutingContext ctx) {
    pool.query("SELECT 1").execute()
      .onSuccess(rows -> Responses.send(ctx, 200, new JsonObject().put("status", "READY").put("database", "UP")))
      .onFailure(e -> Responses.send(ctx, 503, new JsonObject().put("status", "NOT_READY").put("database", "DOWN")));
  }

  private void openApi(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/yaml; charset=utf-8").end(openApiText);
  }
}
