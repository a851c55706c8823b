package io.hookgate.db;

import io.hookgate.config.HookgateConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The default database: a real PostgreSQL server started from the Maven jars, its data kept under
 * {@code <data-dir>/pg} so a restart keeps everything. Durability is on ({@code fsync},
 * {@code synchronous_commit}): nothing the gateway acknowledged may be lost in embedded mode either.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Blocking: runs initdb on first use and starts the server. Call off the event loop. */
  public static EmbeddedPostgresServer start(Path dataDir, int port, boolean durable) {
    try {
      Path pgData = dataDir.resolve("pg").toAbsolutePath();
      Files.createDirectories(pgData);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(pgData)
        .setCleanDataDirectory(false)
        .setServerConfig("fsync", durable ? "on" : "off")
        .setServerConfig("synchronous_commit", durable ? "on" : "off")
        .setServerConfig("full_page_writes", durable ? "on" : "off")
        .setServerConfig("max_connections", "300");
      if (port > 0) {
        builder.setPort(port);
      }
      return new EmbeddedPostgresServer(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("embedded PostgreSQL did not start: " + e.getMessage(), e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  /** Connection settings that point at this server's default database. */
  public HookgateConfig.Database connection(HookgateConfig.Database configured) {
    return new HookgateConfig.Database(true, "localhost", port(), "postgres", "postgres", "",
      configured.poolSize(), "disable", port());
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
