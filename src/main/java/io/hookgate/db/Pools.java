package io.hookgate.db;

import io.hookgate.config.HookgateConfig;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.util.concurrent.TimeUnit;

/** Creates the non-blocking PostgreSQL pools the verticles use. */
public final class Pools {
  /**
   * A database that does not answer (stopped host, dropped packets, a frozen server) fails requests within
   * seconds, as 503s, instead of holding them for the client defaults of a minute.
   */
  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int WAIT_SECONDS = 10;

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
      .with(new PoolOptions().setMaxSize(size).setShared(true).setName(name)
        .setConnectionTimeout(WAIT_SECONDS).setConnectionTimeoutUnit(TimeUnit.SECONDS))
      .with(new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS))
      .connectingTo(connectOptions(db))
      .using(vertx)
      .build();
  }
}
