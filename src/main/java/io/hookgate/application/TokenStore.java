package io.hookgate.application;

import io.hookgate.auth.Tokens;
import io.hookgate.auth.Partner;
import io.hookgate.auth.Credentials;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/** Partner API access tokens; only their SHA-256 hashes are stored. */
public final class TokenStore implements Tokens {
  private static final String INSERT = """
    INSERT INTO access_tokens (token_hash, application_id, scopes, expires_at) VALUES ($1, $2, $3, $4)""";

  /** A token grants what it was issued with, narrowed to what its application is still allowed. */
  private static final String FIND = """
    SELECT t.application_id, t.scopes AS granted, a.scopes AS allowed
      FROM access_tokens t JOIN applications a ON a.id = t.application_id
     WHERE t.token_hash = $1 AND t.expires_at > now()""";

  private final Pool pool;

  public TokenStore(Pool pool) {
    this.pool = pool;
  }

  public Future<Void> save(String token, UUID applicationId, Set<String> scopes, Instant expiresAt) {
    return pool.preparedQuery(INSERT)
      .execute(Tuple.of(Buffer.buffer(Credentials.sha256(token)), applicationId, scopes.toArray(String[]::new),
        OffsetDateTime.ofInstant(expiresAt, ZoneOffset.UTC)))
      .mapEmpty();
  }

  @Override
  public Future<Partner> find(String token) {
    return pool.preparedQuery(FIND)
      .execute(Tuple.of(Buffer.buffer(Credentials.sha256(token))))
      .map(rows -> rows.size() == 0 ? null : partner(rows.iterator().next()));
  }

  private static Partner partner(Row row) {
    Set<String> scopes = new LinkedHashSet<>(Arrays.asList(row.getArrayOfStrings("granted")));
    scopes.retainAll(Arrays.asList(row.getArrayOfStrings("allowed")));
    return new Partner(row.getUUID("application_id"), Set.copyOf(scopes));
  }
}
