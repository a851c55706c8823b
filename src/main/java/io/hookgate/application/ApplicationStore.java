package io.hookgate.application;

import io.hookgate.auth.Credentials;
import io.hookgate.db.Paged;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;

/** Partner applications in PostgreSQL. Client secrets are stored as SHA-256 hashes only. */
public final class ApplicationStore {
  private static final String COLUMNS = "id, name, client_id, scopes, created_at, updated_at";

  private static final String INSERT = """
    INSERT INTO applications (id, name, client_id, client_secret_hash, scopes) VALUES ($1, $2, $3, $4, $5)
    RETURNING""" + " " + COLUMNS;
  private static final String LIST = "SELECT " + COLUMNS + ", count(*) OVER () AS total FROM applications"
    + " ORDER BY created_at, id LIMIT $1 OFFSET $2";
  private static final String COUNT = "SELECT count(*) FROM applications";
  private static final String GET = "SELECT " + COLUMNS + " FROM applications WHERE id = $1";
  private static final String UPDATE = """
    UPDATE applications SET name = coalesce($2, name), scopes = coalesce($3, scopes), updated_at = now()
     WHERE id = $1 RETURNING""" + " " + COLUMNS;
  private static final String ROTATE_SECRET = """
    UPDATE applications SET client_secret_hash = $2, updated_at = now() WHERE id = $1 RETURNING""" + " " + COLUMNS;
  /** Subscriptions and tokens cascade; deliveries, attempts and stats have no foreign keys and go explicitly. */
  private static final String DELETE = """
    WITH a AS (DELETE FROM applications WHERE id = $1 RETURNING id),
         s AS (SELECT id FROM subscriptions WHERE application_id IN (SELECT id FROM a)),
         d AS (DELETE FROM deliveries WHERE application_id IN (SELECT id FROM a) RETURNING id),
         t AS (DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM d)),
         h AS (DELETE FROM delivery_stats_hourly WHERE subscription_id IN (SELECT id FROM s))
    SELECT (SELECT count(*) FROM a) AS deleted, (SELECT array_agg(id) FROM s) AS subscriptions""";
  private static final String CREDENTIALS = "SELECT id, client_secret_hash, scopes FROM applications WHERE client_id = $1";

  /** What the token endpoint needs to authenticate a client. */
  public record ClientCredentials(UUID applicationId, byte[] secretHash, List<String> scopes) {
  }

  private final Pool pool;

  public ApplicationStore(Pool pool) {
    this.pool = pool;
  }

  public Future<Application> create(String name, List<String> scopes, String clientId, String clientSecret) {
    return pool.preparedQuery(INSERT)
      .execute(Tuple.of(UUID.randomUUID(), name, clientId, Buffer.buffer(Credentials.sha256(clientSecret)),
        scopes.toArray(String[]::new)))
      .map(rows -> Application.from(rows.iterator().next()));
  }

  public Future<Paged<Application>> list(int limit, int offset) {
    return Paged.query(pool, LIST, Tuple.of(limit, offset), COUNT, Tuple.tuple(), Application::from);
  }

  public Future<Application> get(UUID id) {
    return pool.preparedQuery(GET).execute(Tuple.of(id)).map(ApplicationStore::firstOrNull);
  }

  public Future<Application> update(UUID id, String name, List<String> scopes) {
    return pool.preparedQuery(UPDATE)
      .execute(Tuple.of(id, name, scopes == null ? null : scopes.toArray(String[]::new)))
      .map(ApplicationStore::firstOrNull);
  }

  public Future<Application> rotateSecret(UUID id, String clientSecret) {
    return pool.preparedQuery(ROTATE_SECRET)
      .execute(Tuple.of(id, Buffer.buffer(Credentials.sha256(clientSecret))))
      .map(ApplicationStore::firstOrNull);
  }

  /** The ids of the subscriptions that went with the application, or null when there was no such application. */
  public Future<List<UUID>> delete(UUID id) {
    return pool.preparedQuery(DELETE).execute(Tuple.of(id)).map(rows -> {
      Row row = rows.iterator().next();
      if (row.getLong("deleted") == 0) {
        return null;
      }
      UUID[] subscriptions = row.getArrayOfUUIDs("subscriptions");
      return subscriptions == null ? List.of() : List.of(subscriptions);
    });
  }

  public Future<ClientCredentials> credentials(String clientId) {
    return pool.preparedQuery(CREDENTIALS).execute(Tuple.of(clientId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return new ClientCredentials(row.getUUID("id"), row.getBuffer("client_secret_hash").getBytes(),
        List.of(row.getArrayOfStrings("scopes")));
    });
  }

  private static Application firstOrNull(RowSet<Row> rows) {
    return rows.size() == 0 ? null : Application.from(rows.iterator().next());
  }
}
