package io.hookgate.partner;

import io.hookgate.engine.DeliveryJob;
import io.hookgate.db.Paged;
import io.hookgate.http.Json;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The delivery history partners inspect and act on: listing with filters (offset pages, or a keyset
 * cursor for deep pages), one delivery with every attempt, retry, clear and recover. Every query is
 * scoped by application when one is given (the Partner API always gives one; the Platform API's
 * support views may not).
 */
public final class DeliveryHistory {
  private static final String COLUMNS = """
    d.id, d.subscription_id, d.application_id, d.event_id, d.event_type, d.status, d.attempts,
    nullif(d.next_attempt_at, 'infinity') AS next_attempt_at,
    d.last_status_code, d.last_failure_reason, d.created_at, d.updated_at, d.completed_at, d.is_test, e.body,
    a.response_status, a.response_headers, a.response_body, a.duration_ms""";
  private static final String FROM = """
     \sFROM deliveries d
     JOIN events e ON e.id = d.event_id
     LEFT JOIN LATERAL (SELECT x.response_status, x.response_headers, x.response_body, x.duration_ms FROM attempts x
                         WHERE x.delivery_id = d.id ORDER BY x.attempt DESC LIMIT 1) a ON true""";
  private static final String ATTEMPTS = """
    SELECT attempt, created_at, request_headers, response_status, response_headers, response_body, duration_ms,
           failure_reason
      FROM attempts WHERE delivery_id = $1 ORDER BY attempt""";
  /** A final delivery, or one waiting for its next retry, gets a new attempt now (it is leased to this node). */
  private static final String RETRY = """
    UPDATE deliveries d
       SET status = 'retrying', next_attempt_at = now() + $3 * interval '1 millisecond', lease_owner = $4,
           completed_at = NULL, updated_at = now()
      FROM events e
     WHERE d.id = $1 AND ($2::uuid IS NULL OR d.application_id = $2) AND e.id = d.event_id
       AND (d.status IN ('success', 'failed') OR (d.status = 'retrying' AND d.next_attempt_at > now()))
    RETURNING d.id, d.event_id, d.subscription_id, d.event_type, d.attempts, e.body""";
  private static final String STATUS_OF = "SELECT status, subscription_id FROM deliveries WHERE id = $1 AND ($2::uuid IS NULL OR application_id = $2)";
  private static final String CLEAR = """
    WITH d AS (DELETE FROM deliveries
                WHERE subscription_id = $1 AND status = ANY($2) AND created_at < $3 RETURNING id),
         a AS (DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM d))
    SELECT count(*) FROM d""";
  private static final String RECOVER = """
    WITH r AS (SELECT id FROM deliveries
                WHERE subscription_id = $1 AND status = 'failed' AND created_at >= $2 AND created_at < $3
                ORDER BY created_at LIMIT $4 FOR UPDATE SKIP LOCKED)
    UPDATE deliveries d SET status = 'retrying', next_attempt_at = now(), completed_at = NULL, updated_at = now()
      FROM r WHERE d.id = r.id""";

  /** Filters of a listing; null fields do not filter. */
  public record Filter(UUID applicationId, UUID subscriptionId, List<String> statuses, String eventType,
                       OffsetDateTime from, OffsetDateTime until) {
  }

  /** A keyset position: the last row of the previous page. */
  public record Cursor(OffsetDateTime createdAt, UUID id) {
  }

  private final Pool pool;

  public DeliveryHistory(Pool pool) {
    this.pool = pool;
  }

  private record Query(String where, Tuple args) {
  }

  private static Query where(Filter f) {
    StringBuilder sql = new StringBuilder(" WHERE true");
    Tuple args = Tuple.tuple();
    if (f.applicationId() != null) {
      args.addUUID(f.applicationId());
      sql.append(" AND d.application_id = $").append(args.size());
    }
    if (f.subscriptionId() != null) {
      args.addUUID(f.subscriptionId());
      sql.append(" AND d.subscription_id = $").append(args.size());
    }
    if (f.statuses() != null) {
      args.addArrayOfString(f.statuses().toArray(String[]::new));
      sql.append(" AND d.status = ANY($").append(args.size()).append(")");
    }
    if (f.eventType() != null) {
      args.addString(f.eventType());
      sql.append(" AND d.event_type = $").append(args.size());
    }
    if (f.from() != null) {
      args.addOffsetDateTime(f.from());
      sql.append(" AND d.created_at >= $").append(args.size());
    }
    if (f.until() != null) {
      args.addOffsetDateTime(f.until());
      sql.append(" AND d.created_at < $").append(args.size());
    }
    return new Query(sql.toString(), args);
  }

  /** Newest first; offset paging with a total. */
  public Future<Paged<JsonObject>> page(Filter filter, int limit, int offset) {
    Query q = where(filter);
    Tuple pageArgs = copy(q.args()).addInteger(limit).addInteger(offset);
    String page = "SELECT " + COLUMNS + ", count(*) OVER () AS total" + FROM + q.where()
      + " ORDER BY d.created_at DESC, d.id DESC LIMIT $" + (q.args().size() + 1) + " OFFSET $" + (q.args().size() + 2);
    String count = "SELECT count(*) FROM deliveries d" + q.where();
    return Paged.query(pool, page, pageArgs, count, q.args(), DeliveryHistory::json);
  }

  /** Newest first after the cursor; no total (it would cost a count over the whole history). */
  public Future<List<JsonObject>> after(Filter filter, Cursor cursor, int limit) {
    Query q = where(filter);
    Tuple args = copy(q.args());
    String sql = "SELECT " + COLUMNS + FROM + q.where();
    if (cursor != null) {
      args.addOffsetDateTime(cursor.createdAt()).addUUID(cursor.id());
      sql += " AND (d.created_at, d.id) < ($" + (args.size() - 1) + ", $" + args.size() + ")";
    }
    args.addInteger(limit);
    sql += " ORDER BY d.created_at DESC, d.id DESC LIMIT $" + args.size();
    return pool.preparedQuery(sql).execute(args).map(DeliveryHistory::all);
  }

  /** One delivery with every attempt, or null. */
  public Future<JsonObject> get(UUID id, UUID applicationId) {
    Filter filter = new Filter(applicationId, null, null, null, null, null);
    Query q = where(filter);
    Tuple args = copy(q.args()).addUUID(id);
    String sql = "SELECT " + COLUMNS + FROM + q.where() + " AND d.id = $" + args.size();
    return pool.preparedQuery(sql).execute(args).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(null);
      }
      JsonObject delivery = json(rows.iterator().next());
      return pool.preparedQuery(ATTEMPTS).execute(Tuple.of(id)).map(attempts -> {
        JsonArray history = new JsonArray();
        for (Row a : attempts) {
          history.add(new JsonObject()
            .put("attempt", a.getInteger("attempt"))
            .put("created_at", Json.timestamp(a.getOffsetDateTime("created_at")))
            .put("request_headers", a.getJson("request_headers"))
            .put("response", response(a))
            .put("failure_reason", a.getString("failure_reason"))
            .put("duration_ms", a.getInteger("duration_ms")));
        }
        return delivery.put("attempt_history", history);
      });
    });
  }

  /** What stands in the way of a retry: null when the delivery does not exist, else its status and subscription. */
  public Future<Row> statusOf(UUID id, UUID applicationId) {
    return pool.preparedQuery(STATUS_OF).execute(Tuple.of(id, applicationId))
      .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  /** Leases the delivery for an attempt now; the job to send, or null when it cannot be retried now. */
  public Future<DeliveryJob> retry(UUID id, UUID applicationId, long leaseMs, String nodeId) {
    return pool.preparedQuery(RETRY).execute(Tuple.of(id, applicationId, leaseMs, nodeId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return new DeliveryJob(row.getUUID("id"), row.getString("event_id"), row.getUUID("subscription_id"),
        row.getString("event_type"), row.getInteger("attempts"), row.getString("body"));
    });
  }

  public Future<Long> clear(UUID subscriptionId, List<String> statuses, OffsetDateTime before) {
    return pool.preparedQuery(CLEAR).execute(Tuple.of(subscriptionId, statuses.toArray(String[]::new), before))
      .map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<Integer> recover(UUID subscriptionId, OffsetDateTime since, OffsetDateTime until, int limit) {
    return pool.preparedQuery(RECOVER).execute(Tuple.of(subscriptionId, since, until, limit)).map(RowSet::rowCount);
  }

  private static Tuple copy(Tuple tuple) {
    Tuple copy = Tuple.tuple();
    for (int i = 0; i < tuple.size(); i++) {
      copy.addValue(tuple.getValue(i));
    }
    return copy;
  }

  private static List<JsonObject> all(RowSet<Row> rows) {
    List<JsonObject> list = new ArrayList<>();
    rows.forEach(row -> list.add(json(row)));
    return list;
  }

  private static JsonObject response(Row row) {
    Integer status = row.getInteger("response_status");
    if (status == null) {
      return null;
    }
    return new JsonObject().put("status_code", status).put("headers", row.getJson("response_headers"))
      .put("body", row.getString("response_body"));
  }

  /** Seed 002's WebhookDelivery, plus the event id, attempt count and timing of the next attempt. */
  static JsonObject json(Row row) {
    String status = row.getString("status");
    return new JsonObject()
      .put("id", row.getUUID("id").toString())
      .put("webhook_id", row.getUUID("subscription_id").toString())
      .put("application_id", row.getUUID("application_id").toString())
      .put("event", row.getString("event_type"))
      .put("event_id", row.getString("event_id"))
      .put("payload", new JsonObject(row.getString("body")))
      .put("status", status)
      .put("is_test", row.getBoolean("is_test"))
      .put("attempts", row.getInteger("attempts"))
      .put("response", response(row))
      .put("failure_reason", row.getString("last_failure_reason"))
      .put("duration_ms", row.getInteger("duration_ms"))
      .put("next_attempt_at", status.equals("retrying") || status.equals("pending")
        ? Json.timestamp(row.getOffsetDateTime("next_attempt_at")) : null)
      .put("created_at", Json.timestamp(row.getOffsetDateTime("created_at")))
      .put("updated_at", Json.timestamp(row.getOffsetDateTime("updated_at")))
      .put("completed_at", Json.timestamp(row.getOffsetDateTime("completed_at")));
  }

  /** The cursor of the last row of a page. */
  public static String cursorOf(JsonObject last) {
    String raw = last.getString("created_at") + "|" + last.getString("id");
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Null when the text is not a cursor this API issued. */
  public static Cursor parseCursor(String text) {
    try {
      String raw = new String(java.util.Base64.getUrlDecoder().decode(text), java.nio.charset.StandardCharsets.UTF_8);
      int bar = raw.indexOf('|');
      return new Cursor(OffsetDateTime.parse(raw.substring(0, bar)), UUID.fromString(raw.substring(bar + 1)));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
