package io.hookgate.ops;

import io.hookgate.cluster.Membership;
import io.hookgate.config.LiveConfig;
import io.hookgate.http.Operations;
import io.hookgate.http.Responses;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

/**
 * Operations endpoints: {@code /health} (the process is alive), {@code /ready} (it can serve: the
 * database answers), {@code /metrics} (Prometheus text) and {@code /openapi.yaml} (the API contract).
 */
public final class OpsRoutes {
  private final Pool pool;
  private final PrometheusMeterRegistry registry;
  private final String openApiText;
  private final Membership membership;

  private final LiveConfig live;

  public OpsRoutes(Pool pool, PrometheusMeterRegistry registry, String openApiText, Membership membership,
                   LiveConfig live) {
    this.live = live;
    this.membership = membership;
    this.pool = pool;
    this.registry = registry;
    this.openApiText = openApiText;
  }

  public void mount(Operations ops) {
    ops.on("getHealth", this::health)
      .on("getReady", this::ready)
      .on("getMetrics", this::metrics)
      .on("getOpenApi", this::openApi);
  }

  private void health(RoutingContext ctx) {
    Responses.send(ctx, 200, new JsonObject().put("status", "UP"));
  }

  /** Ready as {@link Readiness} says, asked now, with what stands in the way when it is not. */
  private void ready(RoutingContext ctx) {
    Readiness.database(ctx.vertx(), pool).onComplete(db -> {
      boolean ready = db.succeeded() && membership.ready();
      Responses.send(ctx, ready ? 200 : 503, new JsonObject()
        .put("status", ready ? "READY" : "NOT_READY")
        .put("database", db.succeeded() ? "UP" : "DOWN")
        .put("cluster", membership.describe())
        .put("config", config()));
    });
  }

  /** The configuration in force on this node: its version, since when, and what waits for a restart. */
  private JsonObject config() {
    LiveConfig.State state = live.state();
    return new JsonObject()
      .put("version", state.version())
      .put("dialects_version", live.dialectsVersion())
      .put("loaded_at", state.loadedAt().toString())
      .put("restart_pending", new JsonArray(state.pendingRestart()));
  }

  /**
   * Prometheus text, formatted on a worker thread. Vert.x's scraping handler formats it on the event
   * loop: under load a scrape took 14–16 ms (32 KB), during which that loop served none of its
   * connections.
   */
  private void metrics(RoutingContext ctx) {
    ctx.vertx().executeBlocking(registry::scrape, false)
      .onSuccess(text -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(text))
      .onFailure(ctx::fail);
  }

  private void openApi(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/yaml; charset=utf-8").end(openApiText);
  }
}
