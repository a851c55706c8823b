package io.hookgate.engine;

import io.hookgate.db.Columns;
import io.hookgate.db.Partitions;
import io.hookgate.http.Json;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The {@code attempts} table: an append-only log of every request sent and what came back, read and
 * deleted by delivery. A delivery re-sent after its lease expired may log the same attempt number twice:
 * both requests were made.
 */
public final class AttemptStore {
  /** The attempts table, partitioned by the time each attempt was made. */
  public static final Partitions.Table TABLE = new Partitions.Table("attempts", "created_at", "");

  private static final String INSERT = """
    INSERT INTO attempts (delivery_id, subscription_id, attempt, created_at, request_headers, response_status,
                          response_headers, response_body, duration_ms, failure_reason, request_body, request_query)
    SELECT a.delivery_id, a.subscription_id, a.attempt, a.created_at, a.request_headers::json, a.response_status,
           a.response_headers::json, a.response_body, a.duration_ms, a.failure_reason, a.request_body, a.request_query
      FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::timestamptz[], $5::text[], $6::int[], $7::text[], $8::text[],
                  $9::int[], $10::text[], $11::text[], $12::text[])
           AS a(delivery_id, subscription_id, attempt, created_at, request_headers, response_status, response_headers,
                response_body, duration_ms, failure_reason, request_body, request_query)""";
  private static final String OF_DELIVERY = """
    SELECT attempt, created_at, request_headers, response_status, response_headers, response_body, duration_ms,
           failure_reason, request_body, request_query
      FROM attempts WHERE delivery_id = $1 AND created_at >= $2 ORDER BY attempt""";
  private static final String LATEST = """
    SELECT DISTINCT ON (delivery_id) delivery_id, attempt, created_at, request_headers, response_status,
           response_headers, response_body, duration_ms, failure_reason, request_body, request_query
      FROM attempts WHERE delivery_id = ANY($1) AND created_at >= $2 ORDER BY delivery_id, attempt DESC""";
  private static final String DELETE_OF_DELIVERIES = "DELETE FROM attempts WHERE delivery_id = ANY($1)";

  // ---- retention: attempts of deliveries carried past their partition go with them ----

  private static final String CARRY = "INSERT INTO attempts SELECT * FROM %s WHERE delivery_id = ANY($1)";
  private static final String EXPIRE_CARRIED = """
    DELETE FROM attempts_default WHERE created_at < $1 AND NOT (delivery_id = ANY($2))""";

  /** Carries the attempts of these deliveries from a detached partition into the table; how many. */
  public Future<Integer> carryFrom(SqlClient sql, String detachedPartition, List<UUID> deliveries) {
    return sql.preparedQuery(String.format(CARRY, detachedPartition)).execute(Tuple.of(deliveries.toArray(UUID[]::new)))
      .map(RowSet::rowCount);
  }

  /** Attempts outside every partition, older than {@code cutoff}, of deliveries not kept. */
  public Future<Integer> expireCarried(SqlClient sql, Instant cutoff, List<UUID> kept) {
    return sql.preparedQuery(EXPIRE_CARRIED).execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), (Object) kept.toArray(UUID[]::new)))
      .map(RowSet::rowCount);
  }

  // ---- erasure: what the endpoint answered may repeat the payload, and a templated body is one ----

  private static final String ERASE = """
    UPDATE attempts SET response_body = NULL, response_headers = NULL, request_body = NULL
     WHERE delivery_id = ANY($1) AND created_at >= $2
       AND (response_body IS NOT NULL OR response_headers IS NOT NULL OR request_body IS NOT NULL)""";

  /**
   * Erases the recorded answers of these deliveries' attempts (none made before {@code since}), and the
   * bodies sent when a payload format rendered them from the payload; how many.
   */
  public Future<Integer> erase(SqlClient sql, List<UUID> deliveries, Instant since) {
    return sql.preparedQuery(ERASE).execute(Tuple.of(deliveries.toArray(UUID[]::new), since.atOffset(ZoneOffset.UTC)))
      .map(RowSet::rowCount);
  }

  /**
   * An attempt as logged. {@code requestBody} is what it sent when that was not the event's stored envelope
   * (a templated payload format), else null; {@code requestQuery} the query that carried its signature, or null.
   */
  public record Logged(int attempt, OffsetDateTime createdAt, JsonObject requestHeaders, Integer responseStatus,
                       JsonObject responseHeaders, String responseBody, int durationMs, String failureReason,
                       String requestBody, String requestQuery) {
    static Logged from(Row row) {
      return new Logged(row.getInteger("attempt"), row.getOffsetDateTime("created_at"),
        (JsonObject) row.getJson("request_headers"), row.getInteger("response_status"),
        (JsonObject) row.getJson("response_headers"), row.getString("response_body"), row.getInteger("duration_ms"),
        row.getString("failure_reason"), row.getString("request_body"), row.getString("request_query"));
    }
  }

  public Future<Void> insert(SqlClient sql, List<Attempt> attempts) {
    if (attempts.isEmpty()) {
      return Future.succeededFuture();
    }
    return sql.preparedQuery(INSERT).execute(Columns.of(attempts)
      .uuid(a -> a.job().deliveryId()).uuid(a -> a.job().subscriptionId()).integer(Attempt::number)
      .timestamp(a -> a.startedAt().toInstant()).text(a -> Json.encode(a.requestHeaders())).integer(Attempt::status)
      .text(a -> a.responseHeaders() == null ? null : Json.encode(a.responseHeaders())).text(Attempt::responseBody)
      .integer(Attempt::durationMs).text(Attempt::failureReason).text(Attempt::sentBody).text(Attempt::sentQuery)
      .tuple()).mapEmpty();
  }

  /**
   * Every attempt of a delivery created at {@code since}, first to last (attempts come after their delivery,
   * so the partitions before it are not read).
   */
  public Future<List<Logged>> ofDelivery(SqlClient sql, UUID delivery, Instant since) {
    return sql.preparedQuery(OF_DELIVERY).execute(Tuple.of(delivery, since.atOffset(ZoneOffset.UTC))).map(rows -> {
      List<Logged> attempts = new ArrayList<>(rows.size());
      rows.forEach(row -> attempts.add(Logged.from(row)));
      return attempts;
    });
  }

  /** The latest attempt of each of these deliveries (none created before {@code since}) that has one. */
  public Future<Map<UUID, Logged>> latest(SqlClient sql, List<UUID> deliveries, Instant since) {
    if (deliveries.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return sql.preparedQuery(LATEST).execute(Tuple.of(deliveries.toArray(UUID[]::new), since.atOffset(ZoneOffset.UTC)))
      .map(rows -> {
      Map<UUID, Logged> latest = new HashMap<>();
      rows.forEach(row -> latest.put(row.getUUID("delivery_id"), Logged.from(row)));
      return latest;
    });
  }

  public Future<Void> deleteOfDeliveries(SqlClient sql, List<UUID> deliveries) {
    return deliveries.isEmpty() ? Future.succeededFuture()
      : sql.preparedQuery(DELETE_OF_DELIVERIES).execute(Tuple.of(deliveries.toArray(UUID[]::new))).mapEmpty();
  }
}
