package io.hookgate.db;

import io.hookgate.config.HookgateConfig;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** Creates the non-blocking PostgreSQL pools the verticles use. */
public final class Pools {
  private Pools() {
  }

  public static PgConnectOptions connectOptions(HookgateConfig.Database db) {
    return new PgConnectOptions()
      .setHost(db.host())
      .setPort(db.port())
      .setDatabase(db.name())
      .setUser(db.user())
      .setPassword(db.password())
      .setSslMode(SslMode.of(db.sslMode()))
      .setCachePreparedStatements(true);
  }

  /**
   * A request/response pool shared, under {@code name}, by every verticle instance that asks for it:
   * {@code database.pool-size} connections per purpose per node, not per verticle.
   */
  public static Pool pool(Vertx vertx, HookgateConfig.Database db, String name) {
    return pool(vertx, db, name, db.poolSize());
  }

  public static Pool pool(Vertx vertx, HookgateConfig.Database db, String name, int size) {
    return PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(size).setShared(true).setName(name))
      .connectingTo(connectOptions(db))
      .using(vertx)
      .build();
  }
}
