package io.hookgate.catalog;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code event_types} table: the catalog of event types. Every method takes the {@link SqlClient} to
 * run on.
 */
public final class EventTypeStore {
  private static final String COLUMNS = "name, group_name, description, deprecated, created_at, updated_at";
  private static final String LIST = "SELECT " + COLUMNS + " FROM event_types"
    + " WHERE ($1::boolean OR NOT deprecated) AND ($2::text IS NULL OR group_name = $2) ORDER BY name";
  private static final String GET = "SELECT " + COLUMNS + " FROM event_types WHERE name = $1";
  private static final String INSERT = "INSERT INTO event_types (name, group_name, description) VALUES ($1, $2, $3)"
    + " RETURNING " + COLUMNS;
  private static final String INSERT_MISSING = "INSERT INTO event_types (name, group_name, description)"
    + " VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";
  private static final String UPDATE = """
    UPDATE event_types SET description = coalesce($2, description), deprecated = coalesce($3, deprecated),
           updated_at = now()
     WHERE name = $1 RETURNING""" + " " + COLUMNS;
  private static final String ACTIVE_NAMES = "SELECT name FROM event_types WHERE NOT deprecated";

  /** Thrown when a type of that name already exists. */
  public static final class Duplicate extends RuntimeException {
    Duplicate() {
      super(null, null, false, false);
    }
  }

  public Future<List<EventType>> list(SqlClient sql, boolean includeDeprecated, String group) {
    return sql.preparedQuery(LIST).execute(Tuple.of(includeDeprecated, group)).map(EventTypeStore::all);
  }

  public Future<EventType> get(SqlClient sql, String name) {
    return sql.preparedQuery(GET).execute(Tuple.of(name)).map(EventTypeStore::firstOrNull);
  }

  public Future<EventType> create(SqlClient sql, String name, String description) {
    return sql.preparedQuery(INSERT)
      .execute(Tuple.of(name, EventType.groupOf(name), description == null ? "" : description))
      .map(EventTypeStore::firstOrNull)
      .recover(e -> Future.failedFuture(e instanceof PgException pg && "23505".equals(pg.getSqlState()) ? new Duplicate() : e));
  }

  public Future<EventType> update(SqlClient sql, String name, String description, Boolean deprecated) {
    return sql.preparedQuery(UPDATE).execute(Tuple.of(name, description, deprecated)).map(EventTypeStore::firstOrNull);
  }

  /** Adds the catalog entries that are missing; existing ones keep what operators changed. */
  public Future<Integer> seed(SqlClient sql, List<EventType> types) {
    if (types.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<Tuple> batch = types.stream()
      .map(t -> Tuple.of(t.name(), t.group(), t.description()))
      .toList();
    return sql.preparedQuery(INSERT_MISSING).executeBatch(batch).map(rows -> {
      int inserted = 0;
      for (RowSet<Row> r = rows; r != null; r = r.next()) {
        inserted += r.rowCount();
      }
      return inserted;
    });
  }

  /** Names a subscription may use: every type that is not deprecated. */
  public Future<Set<String>> activeNames(SqlClient sql) {
    return sql.query(ACTIVE_NAMES).execute().map(rows -> {
      Set<String> names = new HashSet<>();
      rows.forEach(row -> names.add(row.getString(0)));
      return names;
    });
  }

  private static List<EventType> all(RowSet<Row> rows) {
    List<EventType> types = new ArrayList<>();
    rows.forEach(row -> types.add(EventType.from(row)));
    return types;
  }

  private static EventType firstOrNull(RowSet<Row> rows) {
    return rows.size() == 0 ? null : EventType.from(rows.iterator().next());
  }
}
