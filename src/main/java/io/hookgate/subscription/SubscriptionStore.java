package io.hookgate.subscription;

import io.hookgate.db.Paged;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.UUID;

/**
 * Webhook subscriptions in PostgreSQL. Every partner-facing query is scoped by application: a
 * subscription of another application is indistinguishable from a missing one.
 */
public final class SubscriptionStore {
  private static final String INSERT = """
    INSERT INTO subscriptions (id, application_id, url, events, description, status, secret, filter)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING""" + " " + Subscription.COLUMNS;
  private static final String LIST = "SELECT " + Subscription.COLUMNS + ", count(*) OVER () AS total"
    + " FROM subscriptions WHERE application_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3";
  private static final String COUNT = "SELECT count(*) FROM subscriptions WHERE application_id = $1";
  private static final String GET = "SELECT " + Subscription.COLUMNS
    + " FROM subscriptions WHERE id = $1 AND application_id = $2";
  /** $5 says whether the description is being set (it may be set to null). */
  private static final String UPDATE = """
    UPDATE subscriptions
       SET url = coalesce($3, url),
           events = coalesce($4, events),
           description = CASE WHEN $5 THEN $6 ELSE description END,
           status = coalesce($7, status),
           disabled_reason = CASE WHEN $7 IS NULL THEN disabled_reason
                                  WHEN $7 = 'DISABLED' THEN $8 ELSE NULL END,
           filter = coalesce($9, filter),
           consecutive_exhausted = CASE WHEN $7 = 'ACTIVE' THEN 0 ELSE consecutive_exhausted END,
           failing_since = CASE WHEN $7 = 'ACTIVE' THEN NULL ELSE failing_since END,
           updated_at = now()
     WHERE id = $1 AND application_id = $2
    RETURNING""" + " " + Subscription.COLUMNS;
  /** Deliveries, attempts and stats have no foreign keys (see V2 migration): they go explicitly. */
  private static final String DELETE = """
    WITH s AS (DELETE FROM subscriptions WHERE id = $1 AND application_id = $2 RETURNING id),
         d AS (DELETE FROM deliveries WHERE subscription_id IN (SELECT id FROM s) RETURNING id),
         a AS (DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM d)),
         h AS (DELETE FROM delivery_stats_hourly WHERE subscription_id IN (SELECT id FROM s))
    SELECT count(*) FROM s""";
  /** A resumed subscription sends what was held while it was paused. */
  private static final String RELEASE_HELD = """
    UPDATE deliveries SET status = 'pending', next_attempt_at = now(), updated_at = now()
     WHERE subscription_id = $1 AND status = 'held'""";

  /** The fields a PATCH may change; null means "leave as it is". */
  public record Changes(String url, List<String> events, boolean setDescription, String description,
                        Subscription.Status status, String disabledReason, SubscriptionFilter filter) {
  }

  /**
   * The old secret stays valid for the grace period. A grace of 0 is the urgent rotation after a leak: it
   * ends every older secret at once, including those still in the grace of an earlier rotation.
   */
  private static final String ROTATE = """
    WITH s AS (SELECT id, secret FROM subscriptions WHERE id = $1 AND application_id = $2 FOR UPDATE),
         x AS (DELETE FROM subscription_old_secrets WHERE $4 = 0 AND subscription_id IN (SELECT id FROM s)),
         o AS (INSERT INTO subscription_old_secrets (subscription_id, secret, expires_at)
               SELECT id, secret, now() + $4 * interval '1 second' FROM s WHERE $4 > 0),
         u AS (UPDATE subscriptions SET secret = $3, updated_at = now() WHERE id IN (SELECT id FROM s) RETURNING id)
    SELECT count(*) FROM u""";
  private static final String LIST_ALL = "SELECT " + Subscription.COLUMNS + ", count(*) OVER () AS total"
    + " FROM subscriptions WHERE ($1::uuid IS NULL OR application_id = $1) ORDER BY created_at, id LIMIT $2 OFFSET $3";
  private static final String COUNT_ALL = "SELECT count(*) FROM subscriptions WHERE ($1::uuid IS NULL OR application_id = $1)";
  private static final String GET_ANY = "SELECT " + Subscription.COLUMNS + " FROM subscriptions WHERE id = $1";

  private final Pool pool;
  private final SecretBox secrets;

  public SubscriptionStore(Pool pool, SecretBox secrets) {
    this.pool = pool;
    this.secrets = secrets;
  }

  public Future<Subscription> create(UUID applicationId, String url, List<String> events, String description,
                                     Subscription.Status status, String secret, SubscriptionFilter filter) {
    UUID id = UUID.randomUUID();
    return pool.preparedQuery(INSERT)
      .execute(Tuple.of(id, applicationId, url, events.toArray(String[]::new), description, status.name(),
        Buffer.buffer(secrets.seal(id, secret))).addValue(filter.isEmpty() ? null : filter.toJson()))
      .map(rows -> Subscription.from(rows.iterator().next()));
  }

  public Future<Paged<Subscription>> list(UUID applicationId, int limit, int offset) {
    return Paged.query(pool, LIST, Tuple.of(applicationId, limit, offset), COUNT, Tuple.of(applicationId),
      Subscription::from);
  }

  public Future<Subscription> get(UUID id, UUID applicationId) {
    return pool.preparedQuery(GET).execute(Tuple.of(id, applicationId)).map(SubscriptionStore::firstOrNull);
  }

  public Future<Subscription> update(UUID id, UUID applicationId, Changes changes) {
    Tuple args = Tuple.of(id, applicationId, changes.url(),
        changes.events() == null ? null : changes.events().toArray(String[]::new),
        changes.setDescription(), changes.description())
      .addValue(changes.status() == null ? null : changes.status().name())
      .addValue(changes.disabledReason())
      .addValue(changes.filter() == null ? null : changes.filter().toJson());
    return pool.preparedQuery(UPDATE).execute(args).map(SubscriptionStore::firstOrNull);
  }

  public Future<Boolean> delete(UUID id, UUID applicationId) {
    return pool.preparedQuery(DELETE).execute(Tuple.of(id, applicationId))
      .map(rows -> rows.iterator().next().getLong(0) > 0);
  }

  /** Replaces the signing secret; false when there is no such subscription of the application. */
  public Future<Boolean> rotate(UUID id, UUID applicationId, String secret, long graceSeconds) {
    return pool.preparedQuery(ROTATE)
      .execute(Tuple.of(id, applicationId, Buffer.buffer(secrets.seal(id, secret)), graceSeconds))
      .map(rows -> rows.iterator().next().getLong(0) > 0);
  }

  /** Support view: every application's subscriptions, or one application's. */
  public Future<Paged<Subscription>> listAll(UUID applicationId, int limit, int offset) {
    return Paged.query(pool, LIST_ALL, Tuple.of(applicationId, limit, offset), COUNT_ALL, Tuple.of(applicationId),
      Subscription::from);
  }

  public Future<Subscription> getAny(UUID id) {
    return pool.preparedQuery(GET_ANY).execute(Tuple.of(id)).map(SubscriptionStore::firstOrNull);
  }

  public Future<Integer> releaseHeld(UUID id) {
    return pool.preparedQuery(RELEASE_HELD).execute(Tuple.of(id)).map(rows -> rows.rowCount());
  }

  private static Subscription firstOrNull(RowSet<Row> rows) {
    return rows.size() == 0 ? null : Subscription.from(rows.iterator().next());
  }
}
