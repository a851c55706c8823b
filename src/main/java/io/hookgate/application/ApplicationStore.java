package io.hookgate.application;

import io.hookgate.auth.Credentials;
import io.hookgate.auth.Partner;
import io.hookgate.db.Paged;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Partner applications and the access tokens issued to them ({@code applications}, {@code access_tokens}):
 * every statement on either. Client secrets and tokens are stored as SHA-256 hashes only. Deleting an
 * application deletes its subscriptions and tokens (foreign keys); the deliveries, attempts and stats of
 * those subscriptions are the engine's to delete, in the same transaction.
 *
 * <p>Every method takes the {@link SqlClient} to run on: a pool, or a transaction's connection.
 */
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
  private static final String DELETE = "DELETE FROM applications WHERE id = $1 RETURNING id";
  private static final String CREDENTIALS = "SELECT id, client_secret_hash, scopes FROM applications WHERE client_id = $1";

  private static final String INSERT_TOKEN = """
    INSERT INTO access_tokens (token_hash, application_id, scopes, expires_at) VALUES ($1, $2, $3, $4)""";
  /** A token grants what it was issued with, narrowed to what its application is still allowed. */
  private static final String FIND_TOKEN = """
    SELECT t.application_id, t.scopes AS granted, a.scopes AS allowed
      FROM access_tokens t JOIN applications a ON a.id = t.application_id
     WHERE t.token_hash = $1 AND t.expires_at > now()""";
  /** Expired tokens are kept an hour, then forgotten. */
  private static final String DELETE_EXPIRED_TOKENS = "DELETE FROM access_tokens WHERE expires_at < now() - interval '1 hour'";

  /** What the token endpoint needs to authenticate a client. */
  public record ClientCredentials(UUID applicationId, byte[] secretHash, List<String> scopes) {
  }

  public Future<Application> create(SqlClient sql, String name, List<String> scopes, String clientId,
                                    String clientSecret) {
    return sql.preparedQuery(INSERT)
      .execute(Tuple.of(UUID.randomUUID(), name, clientId, Buffer.buffer(Credentials.sha256(clientSecret)),
        scopes.toArray(String[]::new)))
      .map(rows -> Application.from(rows.iterator().next()));
  }

  public Future<Paged<Application>> list(SqlClient sql, int limit, int offset) {
    return Paged.query(sql, LIST, Tuple.of(limit, offset), COUNT, Tuple.tuple(), Application::from);
  }

  public Future<Application> get(SqlClient sql, UUID id) {
    return sql.preparedQuery(GET).execute(Tuple.of(id)).map(ApplicationStore::firstOrNull);
  }

  public Future<Application> update(SqlClient sql, UUID id, String name, List<String> scopes) {
    return sql.preparedQuery(UPDATE)
      .execute(Tuple.of(id, name, scopes == null ? null : scopes.toArray(String[]::new)))
      .map(ApplicationStore::firstOrNull);
  }

  public Future<Application> rotateSecret(SqlClient sql, UUID id, String clientSecret) {
    return sql.preparedQuery(ROTATE_SECRET)
      .execute(Tuple.of(id, Buffer.buffer(Credentials.sha256(clientSecret))))
      .map(ApplicationStore::firstOrNull);
  }

  /** Whether there was such an application to delete. */
  public Future<Boolean> delete(SqlClient sql, UUID id) {
    return sql.preparedQuery(DELETE).execute(Tuple.of(id)).map(rows -> rows.size() > 0);
  }

  public Future<ClientCredentials> credentials(SqlClient sql, String clientId) {
    return sql.preparedQuery(CREDENTIALS).execute(Tuple.of(clientId)).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return new ClientCredentials(row.getUUID("id"), row.getBuffer("client_secret_hash").getBytes(),
        List.of(row.getArrayOfStrings("scopes")));
    });
  }

  public Future<Void> saveToken(SqlClient sql, String token, UUID applicationId, Set<String> scopes, Instant expiresAt) {
    return sql.preparedQuery(INSERT_TOKEN)
      .execute(Tuple.of(Buffer.buffer(Credentials.sha256(token)), applicationId, scopes.toArray(String[]::new),
        OffsetDateTime.ofInstant(expiresAt, ZoneOffset.UTC)))
      .mapEmpty();
  }

  /** The partner behind a live token, or null when the token is unknown or expired. */
  public Future<Partner> findToken(SqlClient sql, String token) {
    return sql.preparedQuery(FIND_TOKEN)
      .execute(Tuple.of(Buffer.buffer(Credentials.sha256(token))))
      .map(rows -> rows.size() == 0 ? null : partner(rows.iterator().next()));
  }

  /** Forgets tokens that expired over an hour ago; how many. */
  public Future<Integer> deleteExpiredTokens(SqlClient sql) {
    return sql.query(DELETE_EXPIRED_TOKENS).execute().map(RowSet::rowCount);
  }

  private static Partner partner(Row row) {
    Set<String> scopes = new LinkedHashSet<>(Arrays.asList(row.getArrayOfStrings("granted")));
    scopes.retainAll(Arrays.asList(row.getArrayOfStrings("allowed")));
    return new Partner(row.getUUID("application_id"), Set.copyOf(scopes));
  }

  private static Application firstOrNull(RowSet<Row> rows) {
    return rows.size() == 0 ? null : Application.from(rows.iterator().next());
  }
}
