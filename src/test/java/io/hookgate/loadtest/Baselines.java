package io.hookgate.loadtest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * The yardsticks measured in the same run, on the same machine and payloads:
 * <ul>
 *   <li>bare: receive a POST, forward it to a sink, answer — no durability at all;</li>
 *   <li>naive durable: the same with one INSERT (own transaction, fsync on) per request before
 *       forwarding — what a straightforward durable gateway does.</li>
 * </ul>
 */
final class Baselines {
  private Baselines() {
  }

  /** Starts a forwarder on a free loopback port; {@code pg} null for the bare one. */
  static Future<HttpServer> forwarder(Vertx vertx, String sinkUrl, PgConnectOptions pg) {
    java.net.URI sink = java.net.URI.create(sinkUrl);
    HttpClient client = vertx.httpClientBuilder()
      .with(new HttpClientOptions().setKeepAlive(true))
      .with(new PoolOptions().setHttp1MaxSize(64))
      .build();
    Pool pool = pg == null ? null : PgBuilder.pool()
      .with(new io.vertx.sqlclient.PoolOptions().setMaxSize(32))
      .connectingTo(pg).using(vertx).build();
    Future<Void> schema = pool == null ? Future.succeededFuture()
      : pool.query("CREATE TABLE IF NOT EXISTS naive_events (id text PRIMARY KEY, body text NOT NULL)").execute().mapEmpty();
    return schema.compose(v -> vertx.createHttpServer().requestHandler(request -> request.body().compose(body -> {
      Future<?> stored = pool == null ? Future.succeededFuture()
        : pool.preparedQuery("INSERT INTO naive_events (id, body) VALUES ($1, $2)")
          .execute(Tuple.of(java.util.UUID.randomUUID().toString(), body.toString()));
      return stored.compose(s -> client.request(new RequestOptions().setMethod(HttpMethod.POST)
          .setHost(sink.getHost()).setPort(sink.getPort()).setURI(sink.getPath())))
        .compose(out -> out.send(body))
        .compose(response -> response.body());
    }).onComplete(done -> request.response().setStatusCode(done.succeeded() ? 202 : 502).end()))
      .listen(0, "127.0.0.1"));
  }
}
