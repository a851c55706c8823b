package io.hookgate.loadtest;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;

/** The gateway's PostgreSQL cluster on disk (every database), sampled during a soak. */
final class DatabaseSize implements AutoCloseable {
  private final PgConnection connection;

  DatabaseSize(Vertx vertx, JsonObject database) {
    boolean embedded = !database.getString("mode", "embedded").equals("external");
    PgConnectOptions connect = new PgConnectOptions()
      .setHost(embedded ? "localhost" : database.getString("host"))
      .setPort(embedded ? database.getJsonObject("embedded").getInteger("port") : database.getInteger("port"))
      .setDatabase("postgres").setUser("postgres");
    this.connection = LoadTest.await(PgConnection.connect(vertx, connect), 30);
  }

  long bytes() {
    return LoadTest.await(connection.query("SELECT sum(pg_database_size(datname))::bigint FROM pg_database").execute(), 30)
      .iterator().next().getLong(0);
  }

  @Override
  public void close() {
    LoadTest.await(connection.close(), 30);
  }
}
