package io.hookgate.db;

import io.hookgate.config.HookgateConfig;
import org.flywaydb.core.Flyway;

import java.util.Map;

/**
 * Applies the versioned SQL files under {@code db/migration} with Flyway. JDBC is used here, once, at
 * start-up and off the event loop; everything after start-up talks to PostgreSQL through
 * vertx-pg-client.
 */
public final class Migrations {
  private Migrations() {
  }

  public static int apply(HookgateConfig.Database db) {
    String url = "jdbc:postgresql://" + db.host() + ":" + db.port() + "/" + db.name()
      + "?sslmode=" + db.sslMode();
    return Flyway.configure()
      .dataSource(url, db.user(), db.password())
      .locations("classpath:db/migration")
      // A session-level lock instead of one held in an open transaction, which CREATE INDEX CONCURRENTLY
      // (run outside a transaction by the partitioning migration) would wait for forever.
      .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
      .load()
      .migrate()
      .migrationsExecuted;
  }
}
