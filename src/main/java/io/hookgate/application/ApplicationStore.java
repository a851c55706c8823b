package io.hookgate.application;

import io.hookgate.auth.Credentials;
import io.hookgate.auth.Partner;
import io.hookgate.db.Paged;
import io.hookgate.dialect.DialectsReload;
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
  private static final String COLUMNS = "id, name, client_id, scopes, created_at, updated_at, payload_format,"
    + " signature_scheme";

  private static final String INSERT = """
    INSERT INTO applications (id, name, client_id, client_secret_hash, scopes, payload_format, signature_scheme)
    VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING""" + " " + COLUMNS;
  private static final String LIST = "SELECT " + COLUMNS + ", count(*) OVER () AS total FROM applications"
    + " ORDER BY created_at, id LIMIT $1 OFFSET $2";
  private static final String COUNT = "SELECT count(*) FROM applications";
  private static final String GET = "SELECT " + COLUMNS + " FROM applications WHERE id = $1";
  /** $4 and $6 say whether the default payload format and signature scheme are being set (null clears them). */
  private static final String UPDATE = """
    UPDATE applications SET name = coalesce($2, name), scopes = coalesce($3, scopes),
           payload_format = CASE WHEN $4 THEN $5 ELSE payload_format END,
           signature_scheme = CASE WHEN $6 THEN $7 ELSE signature_scheme END,
           updated_at = now()
     WHERE id = $1 RETURNING""" + " " + COLUMNS;
  private static final String DIALECTS_IN_USE = """
    SELECT DISTINCT payload_format, signature_scheme FROM applications
     WHERE payload_format IS NOT NULL OR signature_scheme IS NOT NULL""";
  private static final String DEFAULT_DIALECT = "SELECT payload_format, signature_scheme FROM applications WHERE id = $1";
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

  /**
   * The dialect an application's subscriptions get when they name none; either name may be null (the
   * configured default then applies).
   */
  public record DefaultDialect(String payloadFormat, String signatureScheme) {
    public static final DefaultDialect NONE = new DefaultDialect(null, null);
  }

  /** A change of an application's default dialect: each name is set (perhaps to null) only when its flag is. */
  public record DialectChange(boolean setFormat, String payloadFormat, boolean setScheme, String signatureScheme) {
    public static final DialectChange NONE = new DialectChange(false, null, false, null);
  }

  public Future<Application> create(SqlClient sql, String name, List<String> scopes, String clientId,
                                    String clientSecret, DefaultDialect dialect) {
    return sql.preparedQuery(INSERT)
      .execute(Tuple.of(UUID.randomUUID(), name, clientId, Buffer.buffer(Credentials.sha256(clientSecret)),
        scopes.toArray(String[]::new), dialect.payloadFormat(), dialect.signatureScheme()))
      .map(rows -> Application.from(rows.iterator().next()));
  }

  /** The application's default dialect ({@link DefaultDialect#NONE} when it has none or does not exist). */
  public Future<DefaultDialect> defaultDialect(SqlClient sql, UUID id) {
    return sql.preparedQuery(DEFAULT_DIALECT).execute(Tuple.of(id)).map(rows -> {
      if (rows.size() == 0) {
        return DefaultDialect.NONE;
      }
      Row row = rows.iterator().next();
      return new DefaultDialect(row.getString("payload_format"), row.getString("signature_scheme"));
    });
  }

  public Future<Paged<Application>> list(SqlClient sql, int limit, int offset) {
    return Paged.query(sql, LIST, Tuple.of(limit, offset), COUNT, Tuple.tuple(), Application::from);
  }

  public Future<Application> get(SqlClient sql, UUID id) {
    return sql.preparedQuery(GET).execute(Tuple.of(id)).map(ApplicationStore::firstOrNull);
  }

  public Future<Application> update(SqlClient sql, UUID id, String name, List<String> scopes, DialectChange dialect) {
    return sql.preparedQuery(UPDATE)
      .execute(Tuple.of(id, name, scopes == null ? null : scopes.toArray(String[]::new), dialect.setFormat(),
        dialect.payloadFormat(), dialect.setScheme(), dialect.signatureScheme()))
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

  /** The payload formats and signature schemes that applications name as their defaults. */
  public Future<DialectsReload.InUse> dialectsInUse(SqlClient sql) {
    return sql.query(DIALECTS_IN_USE).execute().map(DialectsReload.InUse::of);
  }

}
