package io.hookgate.db;

import io.hookgate.config.HookgateConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The default database: a real PostgreSQL server started from the Maven jars, its data kept under
 * {@code <data-dir>/pg} so a restart keeps everything. Durability is on ({@code fsync},
 * {@code synchronous_commit}): nothing the gateway acknowledged may be lost in embedded mode either.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  private static final long SHUTDOWN_WAIT_SECONDS = 30;
  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Blocking: runs initdb on first use and starts the server. Call off the event loop. A server left
   * running on the same data by a previous life of the gateway (killed with SIGKILL, its PostgreSQL
   * reparented and still holding the data folder) is stopped first, so the start succeeds the first time.
   */
  public static EmbeddedPostgresServer start(Path dataDir, int port) {
    try {
      Path pgData = dataDir.resolve("pg").toAbsolutePath();
      Files.createDirectories(pgData);
      stopLeftover(pgData);
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
        .setDataDirectory(pgData)
        .setCleanDataDirectory(false)
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("full_page_writes", "on")
        .setServerConfig("max_connections", "300");
      if (port > 0) {
        builder.setPort(port);
      }
      return new EmbeddedPostgresServer(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("embedded PostgreSQL did not start: " + e.getMessage(), e);
    }
  }

  /**
   * Stops a PostgreSQL that still runs on {@code pgData}: its {@code postmaster.pid} names a live process
   * that is a postgres server on this very folder. It gets a fast shutdown (what {@code pg_ctl stop -m fast}
   * sends: no new sessions, running ones rolled back, a checkpoint), then the start goes ahead as usual.
   */
  public static void stopLeftover(Path pgData) throws IOException {
    Path pidFile = pgData.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.size() < 2 || !lines.get(0).trim().matches("\\d+") || !Path.of(lines.get(1).trim()).equals(pgData)) {
      return;
    }
    Optional<ProcessHandle> server = ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
      .filter(ProcessHandle::isAlive)
      .filter(p -> p.info().command().map(c -> Path.of(c).getFileName().toString().equals("postgres")).orElse(false));
    if (server.isEmpty()) {
      return; // a stale lock file: PostgreSQL itself sees that its process is gone
    }
    LOG.warn("A PostgreSQL server (pid {}) from a previous run still holds {}: stopping it", server.get().pid(), pgData);
    signal(server.get(), "INT");
    try {
      server.get().onExit().get(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      signal(server.get(), "QUIT");
      try {
        server.get().onExit().get(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (Exception again) {
        throw new IOException("the PostgreSQL server left running on " + pgData + " (pid " + server.get().pid()
          + ") did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping a leftover PostgreSQL server", e);
    } catch (ExecutionException e) {
      throw new IOException(e);
    }
  }

  private static void signal(ProcessHandle process, String signal) throws IOException {
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
