package io.hookgate.db;

import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Migration 13: indexes for the partners' listings filtered to deliveries that did not succeed (failed,
 * retrying, held, pending), newest first, per application and per subscription. Without them such a listing
 * walks every delivery of the application in every partition to find the few that failed: 90 ms at 30 days
 * of history, growing with it. The indexes hold only rows that are not {@code success}, so a delivery that
 * succeeds at its first attempt (most of them, written once as {@code success}) adds nothing to them.
 *
 * <p>On a live database: each index is declared on the partitioned table alone, built {@code CONCURRENTLY} on
 * each partition (reads and writes go on meanwhile), then attached; partitions created later get it with
 * their table. Outside a transaction, so a run cut short leaves some partitions' indexes built: a rerun drops
 * an index left invalid and builds what is missing.
 */
public final class UnfinishedDeliveryIndexes implements JavaMigration {
  /** The literal that {@code DeliveryStore} adds to a listing filtered to statuses other than success. */
  static final String PREDICATE = "status <> 'success'";

  private record Index(String name, String columns) {
  }

  private static final List<Index> INDEXES = List.of(
    new Index("deliveries_application_unfinished", "(application_id, created_at DESC, id DESC)"),
    new Index("deliveries_subscription_unfinished", "(subscription_id, created_at DESC, id DESC)"));

  @Override
  public MigrationVersion getVersion() {
    return MigrationVersion.fromVersion("13");
  }

  @Override
  public String getDescription() {
    return "unfinished delivery indexes";
  }

  @Override
  public Integer getChecksum() {
    return 13;
  }

  @Override
  public boolean canExecuteInTransaction() {
    return false;
  }

  @Override
  public void migrate(Context context) throws SQLException {
    Connection connection = context.getConnection();
    try (Statement sql = connection.createStatement()) {
      for (Index index : INDEXES) {
        sql.execute("CREATE INDEX IF NOT EXISTS " + index.name() + " ON ONLY deliveries " + index.columns()
          + " WHERE " + PREDICATE);
        for (String partition : partitions(sql)) {
          String name = partition + "_" + index.name().substring("deliveries_".length());
          if (Boolean.FALSE.equals(valid(sql, name))) {
            sql.execute("DROP INDEX CONCURRENTLY " + name);
          }
          sql.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS " + name + " ON " + partition + " " + index.columns()
            + " WHERE " + PREDICATE);
          if (!attached(sql, name)) {
            sql.execute("ALTER INDEX " + index.name() + " ATTACH PARTITION " + name);
          }
        }
      }
    }
  }

  private static List<String> partitions(Statement sql) throws SQLException {
    List<String> names = new ArrayList<>();
    try (ResultSet rows = sql.executeQuery(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        + " WHERE i.inhparent = 'deliveries'::regclass ORDER BY c.relname")) {
      while (rows.next()) {
        names.add(rows.getString(1));
      }
    }
    return names;
  }

  /** Whether the index is valid; null when there is none. */
  private static Boolean valid(Statement sql, String index) throws SQLException {
    try (ResultSet rows = sql.executeQuery("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
      + " WHERE c.relname = '" + index + "' AND c.relnamespace = current_schema()::regnamespace")) {
      return rows.next() ? rows.getBoolean(1) : null;
    }
  }

  private static boolean attached(Statement sql, String index) throws SQLException {
    try (ResultSet rows = sql.executeQuery("SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
      + " WHERE c.relname = '" + index + "' AND c.relnamespace = current_schema()::regnamespace")) {
      return rows.next();
    }
  }
}
