package io.hookgate.engine;

import io.hookgate.db.Columns;
import io.hookgate.db.Partitions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The {@code events} table with its fan-out. An event row is written once, at ingest, with the exact
 * envelope that is signed and sent ({@code body}: every retry and replay carries the same bytes) and,
 * for the deliveries sent straight from ingest, their ids and subscriptions ({@code fanout},
 * {@code fanout_subscriptions}) with the node that took the event: the durable record of those deliveries
 * until their rows are written ({@link FanoutLedger}).
 */
public final class EventStore {
  /** The events table, partitioned by receive time; an event id is unique within each partition. */
  public static final Partitions.Table TABLE = new Partitions.Table("events", "received_at", "PRIMARY KEY (id)");

  private static final String INSERT_TEMPLATE = """
    INSERT INTO events (id, type, merchant_id, occurred_at, received_at, livemode, application_ids, body,
                        deliveries_count, ingest_node, fanout, fanout_subscriptions, request_id, traceparent)
    SELECT e.id, e.type, e.merchant_id, e.occurred_at, $11, e.livemode, e.application_ids::jsonb, e.body, e.deliveries,
           CASE WHEN e.fanout IS NOT NULL THEN $12 END, e.fanout::uuid[], e.fanout_subscriptions::uuid[], e.request_id,
           e.traceparent
      FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bool[], $6::text[], $7::text[], $8::int[],
                  $9::text[], $10::text[], $13::text[], $14::text[])
           AS e(id, type, merchant_id, occurred_at, livemode, application_ids, body, deliveries, fanout,
                fanout_subscriptions, request_id, traceparent)
    %s
    ON CONFLICT DO NOTHING
    RETURNING id""";
  private static final String DELIVERIES_COUNT_TEMPLATE = """
    SELECT id, deliveries_count FROM events WHERE id = ANY($1) AND %s""";
  /** Bounded by the events' receive times, so only the partitions that hold them are read. */
  private static final String BODIES = """
    SELECT id, body, traceparent FROM events WHERE id = ANY($1) AND received_at BETWEEN $2 AND $3""";
  private static final String GET = """
    SELECT id, type, merchant_id, occurred_at, received_at, livemode, application_ids, body, fanout,
           fanout_subscriptions, request_id, erased_at
      FROM events WHERE id = $1""";
  private static final String FANOUT_OF_NODE = """
    SELECT id, type, received_at, fanout, fanout_subscriptions FROM events
     WHERE ingest_node = $1 AND received_at >= $2 AND fanout IS NOT NULL""";
  private static final String FANOUT_OF_EVENTS = """
    SELECT id, type, received_at, fanout, fanout_subscriptions FROM events
     WHERE id = ANY($1) AND received_at BETWEEN $2 AND $3 AND fanout IS NOT NULL""";
  private static final String INSERT_TEST = """
    INSERT INTO events (id, type, occurred_at, received_at, livemode, body, deliveries_count)
    VALUES ($1, $2, $3, $3, false, $4, 1)""";

  /**
   * How far ahead of this node's clock another node's (or the database server's) may run: the search for an
   * earlier copy of an event reaches that far into the next partition.
   */
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
  private static final String UNDEFINED_TABLE = "42P01";

  private final Duration duplicateWindow;
  private final String deliveriesCount;
  /** Received outside every partition (into the default one): the whole window is searched. */
  private final Target outsidePartitions;
  /** Where the latest batch went; worked out again when a batch falls outside its partition. */
  private volatile Target target;

  /**
   * The partition a batch is written to and the statement that writes it. Its primary key refuses an id
   * repeated within it; the statement looks for earlier copies in the partitions before it (back to the
   * duplicate window) and in the next one (written by nodes whose clocks run ahead), naming each. Naming
   * them, rather than bounding {@code events} by time, is what keeps the statement cheap: a bounded search of
   * the partitioned table is planned again for every batch (its cached plan would count every partition),
   * which cost PostgreSQL more than all three tables' inserts together, and a plan made while a partition
   * was empty reads it whole until PostgreSQL analyses it again.
   */
  private record Target(Partitions.Partition partition, String insert) {
  }

  /**
   * @param duplicateWindow how far back an event id is looked for when an event arrives: ids repeat within a
   *                        partition are refused by its key, and this reaches into the partitions before it
   */
  public EventStore(Duration duplicateWindow) {
    this.duplicateWindow = duplicateWindow;
    String window = "received_at >= now() - interval '" + duplicateWindow.plus(CLOCK_SKEW).toSeconds() + " seconds'"
      + " AND received_at < now() + interval '" + CLOCK_SKEW.toSeconds() + " seconds'";
    this.deliveriesCount = DELIVERIES_COUNT_TEMPLATE.formatted(window);
    this.outsidePartitions = new Target(null, INSERT_TEMPLATE.formatted(
      "WHERE NOT (e.id = ANY (SELECT id FROM events WHERE id = ANY ($1::text[]) AND " + window + "))"));
  }

  private Future<Target> targetOf(SqlClient sql, Instant at) {
    Target known = target;
    if (known != null && known.partition().covers(at)) {
      return Future.succeededFuture(known);
    }
    return Partitions.list(sql, TABLE).map(partitions -> {
      List<Partitions.Partition> attached = partitions.stream().filter(p -> !p.detached()).toList();
      Partitions.Partition current = attached.stream().filter(p -> p.covers(at)).findFirst().orElse(null);
      if (current == null) {
        return outsidePartitions;
      }
      Instant searchedFrom = current.legacy() ? Instant.MIN : current.starts().minus(duplicateWindow);
      List<String> searched = attached.stream()
        .filter(p -> !p.ends().isAfter(current.starts()) && p.ends().isAfter(searchedFrom)
          || !p.starts().isBefore(current.ends()) && p.starts().isBefore(current.ends().plus(CLOCK_SKEW)))
        .map(Partitions.Partition::name).toList();
      Target found = new Target(current, INSERT_TEMPLATE.formatted(searched.isEmpty() ? "" : searched.stream()
        .map(name -> "SELECT id FROM \"" + name + "\" WHERE id = ANY ($1::text[])")
        .collect(Collectors.joining(" UNION ALL ", "WHERE NOT (e.id = ANY (", "))"))));
      target = found;
      return found;
    });
  }

  // ---- retention: events of deliveries carried past their partition go with them ----

  private static final String CARRY = "INSERT INTO events SELECT * FROM %s WHERE id = ANY($1) ON CONFLICT DO NOTHING";
  private static final String EXPIRE_CARRIED = """
    DELETE FROM events_default WHERE received_at < $1 AND NOT (id = ANY($2))""";

  /** Carries these events from a detached partition into the table; how many. */
  public Future<Integer> carryFrom(SqlClient sql, String detachedPartition, List<String> ids) {
    return sql.preparedQuery(String.format(CARRY, detachedPartition)).execute(Tuple.of(ids.toArray(String[]::new)))
      .map(RowSet::rowCount);
  }

  /** Events outside every partition, older than {@code cutoff}, that no kept delivery needs. */
  public Future<Integer> expireCarried(SqlClient sql, Instant cutoff, List<String> kept) {
    return sql.preparedQuery(EXPIRE_CARRIED).execute(Tuple.of(utc(cutoff), (Object) kept.toArray(String[]::new)))
      .map(RowSet::rowCount);
  }

  // ---- erasure: a merchant's payloads, in bounded steps ----

  /** The oldest events of the merchant in the range that still have their payload lose it. */
  private static final String ERASE = """
    WITH e AS (SELECT id, received_at FROM events
                WHERE merchant_id = $1 AND received_at >= $2 AND received_at < $3 AND erased_at IS NULL
                ORDER BY received_at LIMIT $4 FOR UPDATE)
    UPDATE events x SET body = NULL, erased_at = now()
      FROM e WHERE x.id = e.id AND x.received_at = e.received_at
    RETURNING x.id, x.received_at""";

  /** Events whose payload was just erased: their ids and receive times. */
  public record Erased(List<String> ids, Instant from, Instant to) {
    public boolean isEmpty() {
      return ids.isEmpty();
    }
  }

  /** Erases the payloads of up to {@code limit} of the merchant's events received in [from, until). */
  public Future<Erased> erase(SqlClient sql, String merchantId, Instant from, Instant until, int limit) {
    return sql.preparedQuery(ERASE).execute(Tuple.of(merchantId, utc(from), utc(until), limit)).map(rows -> {
      List<String> ids = new ArrayList<>(rows.size());
      Instant first = Instant.MAX;
      Instant last = Instant.MIN;
      for (Row row : rows) {
        ids.add(row.getString("id"));
        Instant at = row.getOffsetDateTime("received_at").toInstant();
        first = at.isBefore(first) ? at : first;
        last = at.isAfter(last) ? at : last;
      }
      return new Erased(ids, first, last);
    });
  }

  /**
   * An event to write; {@code fanout} lists the deliveries sent straight from ingest (none: null);
   * {@code requestId} is the API request that brought it (null for Hookgate's own events), {@code traceparent}
   * the trace context of its ingest span (null when tracing is off).
   */
  public record New(String id, String type, String merchantId, OffsetDateTime occurredAt, boolean livemode,
                    String applicationIdsJson, String body, int deliveriesCount, List<UUID> fanout,
                    List<UUID> fanoutSubscriptions, String requestId, String traceparent) {
  }

  /** An event as stored, with the deliveries of its fan-out; {@code body} is null once erased ({@code erasedAt}). */
  public record Stored(String id, String type, String merchantId, OffsetDateTime occurredAt, OffsetDateTime receivedAt,
                       boolean livemode, JsonArray applicationIds, String body, List<Fanned> fanout,
                       String requestId, OffsetDateTime erasedAt) {
  }

  /** A delivery in an event's fan-out: sent straight from ingest, its row written with its first outcome. */
  public record Fanned(UUID deliveryId, UUID subscriptionId, String eventId, String eventType, Instant receivedAt) {
  }

  /**
   * Writes the events in one statement, received at {@code receivedAt} by {@code node}; the ids that were new
   * (an id that exists already is not written again).
   */
  public Future<Set<String>> insert(SqlClient sql, List<New> events, Instant receivedAt, String node) {
    Tuple args = Columns.of(events).text(New::id).text(New::type).text(New::merchantId)
      .timestamp(e -> e.occurredAt().toInstant()).bool(New::livemode).text(New::applicationIdsJson).text(New::body)
      .integer(New::deliveriesCount).text(e -> array(e.fanout())).text(e -> array(e.fanoutSubscriptions()))
      .value(utc(receivedAt)).value(node).tuple().addArrayOfString(column(events, New::requestId))
      .addArrayOfString(column(events, New::traceparent));
    return targetOf(sql, receivedAt).compose(t -> sql.preparedQuery(t.insert()).execute(args)
      .onFailure(failure -> {
        // A partition searched was dropped by retention under this statement: the next batch looks again.
        if (failure instanceof PgException pg && UNDEFINED_TABLE.equals(pg.getSqlState())) {
          target = null;
        }
      }))
      .map(rows -> {
        Set<String> inserted = new HashSet<>();
        rows.forEach(row -> inserted.add(row.getString(0)));
        return inserted;
      });
  }

  /** The deliveries each of these events, found to be duplicates just now, fanned out to when first written. */
  public Future<Map<String, Integer>> deliveriesCount(SqlClient sql, Set<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return sql.preparedQuery(deliveriesCount).execute(Tuple.of(ids.toArray(String[]::new))).map(rows -> {
      Map<String, Integer> counts = new HashMap<>();
      rows.forEach(row -> counts.put(row.getString("id"), row.getInteger("deliveries_count")));
      return counts;
    });
  }

  /**
   * The envelopes of these events, received between {@code from} and {@code to} (their deliveries'
   * {@code created_at}), by id; an erased event's is absent.
   */
  public Future<Map<String, String>> bodies(SqlClient sql, Set<String> ids, Instant from, Instant to) {
    return sent(sql, ids, from, to).map(sent -> {
      Map<String, String> bodies = new HashMap<>();
      sent.forEach((id, s) -> bodies.put(id, s.body()));
      return bodies;
    });
  }

  /** What every delivery of an event is sent with: its envelope, and the trace its attempts continue (or null). */
  public record Sent(String body, String traceparent) {
  }

  /**
   * The envelopes and trace contexts of these events, received between {@code from} and {@code to}, by id;
   * an erased event's is absent.
   */
  public Future<Map<String, Sent>> sent(SqlClient sql, Set<String> ids, Instant from, Instant to) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return sql.preparedQuery(BODIES).execute(Tuple.of(ids.toArray(String[]::new), utc(from), utc(to))).map(rows -> {
      Map<String, Sent> sent = new HashMap<>();
      rows.forEach(row -> {
        if (row.getString("body") != null) {
          sent.put(row.getString("id"), new Sent(row.getString("body"), row.getString("traceparent")));
        }
      });
      return sent;
    });
  }

  /** One event, or null. */
  public Future<Stored> get(SqlClient sql, String id) {
    return sql.preparedQuery(GET).execute(Tuple.of(id)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return new Stored(row.getString("id"), row.getString("type"), row.getString("merchant_id"),
        row.getOffsetDateTime("occurred_at"), row.getOffsetDateTime("received_at"), row.getBoolean("livemode"),
        (JsonArray) row.getJson("application_ids"), row.getString("body"), fanned(row), row.getString("request_id"),
        row.getOffsetDateTime("erased_at"));
    });
  }

  /** The fan-out of the events {@code node} received since {@code since}. */
  Future<List<Fanned>> fanoutOfNode(SqlClient sql, String node, OffsetDateTime since) {
    return sql.preparedQuery(FANOUT_OF_NODE).execute(Tuple.of(node, since)).map(EventStore::fanned);
  }

  /** The fan-out of these events, received between {@code from} and {@code to}. */
  Future<List<Fanned>> fanoutOf(SqlClient sql, Set<String> events, Instant from, Instant to) {
    return sql.preparedQuery(FANOUT_OF_EVENTS).execute(Tuple.of(events.toArray(String[]::new), utc(from), utc(to)))
      .map(EventStore::fanned);
  }

  /** A partner's test event (kept in the history with its one delivery). */
  public Future<Void> insertTest(SqlClient sql, String id, String type, String body, Instant at) {
    return sql.preparedQuery(INSERT_TEST).execute(Tuple.of(id, type, utc(at), body)).mapEmpty();
  }

  private static List<Fanned> fanned(RowSet<Row> rows) {
    List<Fanned> all = new ArrayList<>();
    rows.forEach(row -> all.addAll(fanned(row)));
    return all;
  }

  private static List<Fanned> fanned(Row row) {
    UUID[] ids = row.getArrayOfUUIDs("fanout");
    UUID[] subscriptions = row.getArrayOfUUIDs("fanout_subscriptions");
    if (ids == null) {
      return List.of();
    }
    List<Fanned> fanned = new ArrayList<>(ids.length);
    for (int i = 0; i < ids.length; i++) {
      fanned.add(new Fanned(ids[i], subscriptions[i], row.getString("id"), row.getString("type"),
        row.getOffsetDateTime("received_at").toInstant()));
    }
    return fanned;
  }

  private static String[] column(List<New> events, Function<New, String> value) {
    String[] column = new String[events.size()];
    for (int i = 0; i < column.length; i++) {
      column[i] = value.apply(events.get(i));
    }
    return column;
  }

  /** A uuid[] literal, or null for no fan-out (the statement casts it). */
  private static String array(List<UUID> ids) {
    if (ids == null || ids.isEmpty()) {
      return null;
    }
    StringBuilder text = new StringBuilder(ids.size() * 37 + 2).append('{');
    for (UUID id : ids) {
      if (text.length() > 1) {
        text.append(',');
      }
      text.append(id);
    }
    return text.append('}').toString();
  }

  private static OffsetDateTime utc(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
