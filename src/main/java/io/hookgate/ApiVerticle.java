package io.hookgate;

import io.hookgate.config.HookgateConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Serves the API on one event loop; one instance per core, sharing the node's port. What it serves
 * comes from the composition root ({@link Api}); this verticle only runs the server and stops it well.
 */
final class ApiVerticle extends VerticleBase {
  private final HookgateConfig.Http http;
  private final Api api;
  private Api.Served served;
  private HttpServer server;

  ApiVerticle(HookgateConfig.Http http, Api api) {
    this.http = http;
    this.api = api;
  }

  @Override
  public Future<?> start() {
    return api.serve(vertx).compose(built -> {
      served = built;
      server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(http.host())
        .setIdleTimeout((int) http.idleTimeout().toSeconds())
        // HTTP/1.1 only: with cleartext HTTP/2 on, Vert.x makes a connection known only once a first request's
        // headers are complete (it looks for an upgrade), and a caller trickling them would go unseen.
        .setHttp2ClearTextEnabled(false)
        .setCompressionSupported(true));
      served.edge().install(server);
      // Port 0 asks for any free port; Vert.x gives each server its own then, and a negative port one free
      // port shared by every verticle that asks with it, so that all of this node's API verticles serve it.
      return server.requestHandler(served.router()).listen(http.port() == 0 ? -1 : http.port(), http.host());
    });
  }

  /** The routes this verticle serves, as "METHOD /path" with Vert.x-style {@code :param}s. */
  Set<String> routes() {
    Set<String> routes = new TreeSet<>();
    for (Route route : served.router().getRoutes()) {
      if (route.getPath() != null && route.methods() != null) {
        route.methods().forEach(method -> routes.add(method.name() + " " + route.getPath()));
      }
    }
    return routes;
  }

  /** The actual port, also when the configured one was 0. */
  int port() {
    return server.actualPort();
  }

  /**
   * Graceful stop: take no new connections, let the requests in flight finish (their events are
   * committed and answered), then close the pool; a request that cannot be served any more is answered
   * 503 by the failure handler rather than failing on a closed pool.
   */
  @Override
  public Future<?> stop() {
    if (server == null) {
      return Future.succeededFuture();
    }
    return server.shutdown(http.requestTimeout().toSeconds(), TimeUnit.SECONDS)
      .andThen(done -> served.edge().uninstall())
      .compose(v -> served.ingest().idle())
      .eventually(() -> Future.join(served.pool().close(), served.sender().close()));
  }
}
