package io.hookgate.db;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The time partitions of the tables that hold history, and the {@code history_partitions} table that
 * lists them. A partitioned table is declared by its owner ({@link Table}); this class creates its
 * partitions ahead of need, detaches and drops them, and never reads or writes their rows.
 *
 * <p>Partitions follow a grid of the interval counted from the Unix epoch in UTC, so every node computes
 * the same ones. A new partition starts where the newest one ends, so partitions never overlap even when
 * the interval changes. Creating is safe from every node at once: it holds a transaction-level advisory
 * lock per table.
 */
public final class Partitions {
  /** Advisory lock keys: one per table's partition changes, so two nodes never create the same one. */
  private static final long LOCK_BASE = 0x48_47_50_41_52_54L;
  private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'_'HHmmss").withZone(ZoneOffset.UTC);
  private static final String LIST = """
    SELECT partition, nullif(starts, '-infinity') AS starts, ends, state FROM history_partitions
     WHERE parent = $1 ORDER BY starts""";
  private static final String RECORD = """
    INSERT INTO history_partitions (parent, partition, starts, ends) VALUES ($1, $2, $3, $4)
    ON CONFLICT (partition) DO NOTHING""";
  private static final String MARK_DETACHED = "UPDATE history_partitions SET state = 'detached' WHERE partition = $1";
  private static final String FORGET = "DELETE FROM history_partitions WHERE partition = $1";
  private static final String SIZE = """
    SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits
     WHERE inhparent = $1::regclass""";

  /**
   * A table partitioned by range of a timestamp column.
   *
   * @param name           the partitioned table
   * @param key            its partition key column
   * @param partitionExtra what each partition declares beyond the parent's indexes, e.g. a primary key
   *                       that cannot include the partition key ({@code "PRIMARY KEY (id)"}), or empty
   */
  public record Table(String name, String key, String partitionExtra) {
    public String defaultPartition() {
      return name + "_default";
    }

    long lockKey() {
      return LOCK_BASE + name.hashCode();
    }
  }

  /** One partition: rows with the key in [starts, ends). A detached one is on its way out. */
  public record Partition(String table, String name, Instant starts, Instant ends, boolean detached) {
    public boolean legacy() {
      return starts.equals(Instant.MIN);
    }

    public boolean covers(Instant t) {
      return !t.isBefore(starts) && t.isBefore(ends);
    }
  }

  private Partitions() {
  }

  public static Future<List<Partition>> list(SqlClient sql, Table table) {
    return sql.preparedQuery(LIST).execute(Tuple.of(table.name())).map(rows -> {
      List<Partition> list = new ArrayList<>(rows.size());
      for (Row row : rows) {
        list.add(new Partition(table.name(), row.getString("partition"), instant(row, "starts"),
          instant(row, "ends"), "detached".equals(row.getString("state"))));
      }
      return list;
    });
  }

  /**
   * Makes sure partitions cover [{@code from}, {@code until}) on the interval's grid, creating what is
   * missing after the newest partition; the names of those created.
   */
  public static Future<List<String>> ensure(Pool pool, Table table, Duration interval, Instant from, Instant until) {
    return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock($1)")
      .execute(Tuple.of(table.lockKey()))
      .compose(v -> list(conn, table))
      .compose(existing -> {
        Instant covered = existing.stream().map(Partition::ends).max(Instant::compareTo).orElse(Instant.MIN);
        List<Partition> missing = new ArrayList<>();
        for (Instant slot = floor(from, interval); slot.isBefore(until); slot = slot.plus(interval)) {
          Instant starts = slot.isAfter(covered) ? slot : covered;
          Instant ends = slot.plus(interval);
          if (starts.isBefore(ends)) {
            missing.add(new Partition(table.name(), table.name() + "_p" + NAME.format(starts), starts, ends, false));
            covered = ends;
          }
        }
        Future<Void> chain = Future.succeededFuture();
        for (Partition p : missing) {
          chain = chain.compose(v -> create(conn, table, p));
        }
        return chain.map(v -> missing.stream().map(Partition::name).toList());
      }));
  }

  /**
   * Creates one partition. Rows already in the default partition for its range (written while no
   * partition covered it) move into it first: PostgreSQL refuses a partition whose rows sit in the default.
   */
  private static Future<Void> create(SqlConnection conn, Table table, Partition p) {
    String range = " FOR VALUES FROM (" + literal(p.starts()) + ") TO (" + literal(p.ends()) + ")";
    String inDefault = " WHERE " + table.key() + " >= " + literal(p.starts()) + " AND " + table.key() + " < "
      + literal(p.ends());
    String script = "CREATE TABLE " + p.name() + " (LIKE " + table.name() + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
      + ";INSERT INTO " + p.name() + " SELECT * FROM " + table.defaultPartition() + inDefault
      + ";DELETE FROM " + table.defaultPartition() + inDefault
      + ";ALTER TABLE " + table.name() + " ATTACH PARTITION " + p.name() + range
      + (table.partitionExtra().isEmpty() ? "" : ";ALTER TABLE " + p.name() + " ADD " + table.partitionExtra());
    return conn.query(script).execute()
      .compose(v -> conn.preparedQuery(RECORD).execute(Tuple.of(table.name(), p.name(), utc(p.starts()), utc(p.ends()))))
      .mapEmpty();
  }

  /**
   * Takes a partition out of its table: from here on its rows are no longer the table's. A brief lock on
   * the table; it gives up after {@code lockTimeout} rather than queue the table's traffic behind it.
   */
  public static Future<Void> detach(Pool pool, Partition p, Duration lockTimeout) {
    return pool.withTransaction(conn -> conn.query("SET LOCAL lock_timeout = '" + lockTimeout.toMillis() + "ms'")
      .execute()
      .compose(v -> conn.query("ALTER TABLE " + p.table() + " DETACH PARTITION " + p.name()).execute())
      .compose(v -> conn.preparedQuery(MARK_DETACHED).execute(Tuple.of(p.name())))
      .mapEmpty());
  }

  /** Drops a detached partition with whatever is left in it. */
  public static Future<Void> drop(SqlClient sql, Partition p) {
    return sql.query("DROP TABLE IF EXISTS " + p.name()).execute()
      .compose(v -> sql.preparedQuery(FORGET).execute(Tuple.of(p.name())))
      .mapEmpty();
  }

  /** Bytes on disk of the table's partitions, indexes and TOAST included. */
  public static Future<Long> bytes(SqlClient sql, Table table) {
    return sql.preparedQuery(SIZE).execute(Tuple.of(table.name())).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Bytes on disk of one partition (attached or detached). */
  public static Future<Long> bytes(SqlClient sql, Partition p) {
    return sql.preparedQuery("SELECT coalesce(pg_total_relation_size(to_regclass($1)), 0)::bigint")
      .execute(Tuple.of(p.name())).map(rows -> rows.iterator().next().getLong(0));
  }

  /** Rows in the table's default partition: what no time partition holds. It stays small, so it is counted. */
  public static Future<Long> defaultRows(SqlClient sql, Table table) {
    return sql.query("SELECT count(*) FROM " + table.defaultPartition()).execute()
      .map(rows -> rows.iterator().next().getLong(0));
  }

  /** The start of the grid slot that holds {@code t}. */
  public static Instant floor(Instant t, Duration interval) {
    long ms = interval.toMillis();
    return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), ms) * ms);
  }

  private static String literal(Instant t) {
    return "'" + t + "'::timestamptz";
  }

  private static OffsetDateTime utc(Instant t) {
    return t.atOffset(ZoneOffset.UTC);
  }

  /** A start of null is the legacy partition's '-infinity'. */
  private static Instant instant(Row row, String column) {
    OffsetDateTime t = row.getOffsetDateTime(column);
    return t == null ? Instant.MIN : t.toInstant();
  }
}
