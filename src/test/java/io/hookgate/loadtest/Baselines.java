package io.hookgate.loadtest;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The yardsticks measured in the same run, on the same machine and payloads:
 * <ul>
 *   <li>bare: receive a POST, forward it to a sink, answer — no durability at all;</li>
 *   <li>naive durable: the same with one INSERT (own transaction, fsync on) per request before
 *       forwarding — what a straightforward durable gateway does;</li>
 *   <li>group-commit durable: the requests that arrive while a write is in flight are stored together
 *       by the next one (one multi-row INSERT per event loop at a time), then forwarded — about the least
 *       a durable forwarder can do per request: no signing, no attempt records, no fan-out.</li>
 * </ul>
 * Each server runs one instance per event loop, as the gateway's API does: a server made outside a
 * verticle has a single event loop, and the bare forwarder then stopped at one thread's worth of work
 * with half the machine idle.
 */
final class Baselines {
  private Baselines() {
  }

  /** A server deployed on several event loops, with a durable forwarder's database pool (null otherwise). */
  record Server(int port, String deployment, Pool pool) {
    Future<Void> close(Vertx vertx) {
      return vertx.undeploy(deployment).compose(v -> pool == null ? Future.succeededFuture() : pool.close());
    }
  }

  /** The sink the baselines forward to: answers "ok" to every POST. */
  static Future<Server> sink(Vertx vertx, int instances) {
    return serve(vertx, instances, client -> r -> r.body().onSuccess(b -> r.response().end("ok")), null);
  }

  /** How a forwarder stores a request before forwarding it. */
  enum Durability { NONE, PER_REQUEST, GROUP_COMMIT }

  /** What stores one request body: completes once it is committed. */
  private interface Store {
    Future<?> store(String body);
  }

  /** A forwarder to {@code sinkUrl} on a free loopback port; {@code pg} is unused for {@link Durability#NONE}. */
  static Future<Server> forwarder(Vertx vertx, String sinkUrl, PgConnectOptions pg, Durability durability,
                                  int instances) {
    URI sink = URI.create(sinkUrl);
    Pool pool = durability == Durability.NONE ? null : PgBuilder.pool()
      .with(new io.vertx.sqlclient.PoolOptions().setMaxSize(32).setEventLoopSize(instances))
      .connectingTo(pg).using(vertx).build();
    Future<Void> schema = pool == null ? Future.succeededFuture()
      : pool.query("CREATE TABLE IF NOT EXISTS naive_events (id text PRIMARY KEY, body text NOT NULL)").execute().mapEmpty();
    return schema.compose(v -> serve(vertx, instances, client -> {
      // Built once per instance: a group commit's queue belongs to its event loop.
      Store store = switch (durability) {
        case NONE -> body -> Future.succeededFuture();
        case PER_REQUEST -> body -> pool.preparedQuery("INSERT INTO naive_events (id, body) VALUES ($1, $2)")
          .execute(Tuple.of(UUID.randomUUID().toString(), body));
        case GROUP_COMMIT -> new GroupCommit(pool);
      };
      return request -> request.body().compose(body -> store.store(body.toString())
        .compose(s -> client.request(new RequestOptions().setMethod(HttpMethod.POST)
          .setHost(sink.getHost()).setPort(sink.getPort()).setURI(sink.getPath())))
        .compose(out -> out.send(body))
        .compose(response -> response.body()))
        .onComplete(done -> request.response().setStatusCode(done.succeeded() ? 202 : 502).end());
    }, pool));
  }

  /** One multi-row INSERT in flight; bodies that arrive meanwhile wait for the next. Event-loop confined. */
  private static final class GroupCommit implements Store {
    private final Pool pool;
    private List<String> bodies = new ArrayList<>();
    private List<Promise<Void>> waiting = new ArrayList<>();
    private boolean writing;

    GroupCommit(Pool pool) {
      this.pool = pool;
    }

    @Override
    public Future<?> store(String body) {
      Promise<Void> stored = Promise.promise();
      bodies.add(body);
      waiting.add(stored);
      if (!writing) {
        write();
      }
      return stored.future();
    }

    private void write() {
      List<String> batch = bodies;
      List<Promise<Void>> done = waiting;
      bodies = new ArrayList<>();
      waiting = new ArrayList<>();
      writing = true;
      String[] ids = batch.stream().map(b -> UUID.randomUUID().toString()).toArray(String[]::new);
      pool.preparedQuery("INSERT INTO naive_events (id, body) SELECT * FROM unnest($1::text[], $2::text[])")
        .execute(Tuple.tuple().addArrayOfString(ids).addArrayOfString(batch.toArray(String[]::new)))
        .onComplete(result -> {
          writing = false;
          done.forEach(p -> p.handle(result.mapEmpty()));
          if (!bodies.isEmpty()) {
            write();
          }
        });
    }
  }

  /** {@code instances} verticles sharing one loopback port, each with its own HTTP client. */
  private static Future<Server> serve(Vertx vertx, int instances,
                                      Function<HttpClient, Handler<HttpServerRequest>> handler, Pool pool) {
    int port = freePort();
    return vertx.deployVerticle(() -> new VerticleBase() {
      private HttpClient client;

      @Override
      public Future<?> start() {
        client = vertx.httpClientBuilder()
          .with(new HttpClientOptions().setKeepAlive(true))
          .with(new PoolOptions().setHttp1MaxSize(64))
          .build();
        return vertx.createHttpServer().requestHandler(handler.apply(client)).listen(port, "127.0.0.1");
      }
    }, new DeploymentOptions().setInstances(instances)).map(id -> new Server(port, id, pool));
  }

  /** A loopback port free at the moment of asking. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
