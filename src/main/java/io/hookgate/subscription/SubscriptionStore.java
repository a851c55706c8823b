package io.hookgate.subscription;

import io.hookgate.db.Columns;
import io.hookgate.db.Paged;
import io.hookgate.dialect.DialectsReload;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The {@code subscriptions} table with the secrets a rotation replaced ({@code subscription_old_secrets}):
 * every statement that reads or writes them. Every partner-facing query is scoped by application: a
 * subscription of another application is indistinguishable from a missing one. Signing secrets are
 * sealed ({@link SecretBox}) before they are written and never read back but to sign.
 *
 * <p>Every method takes the {@link SqlClient} to run on: a pool, or a transaction's connection.
 */
public final class SubscriptionStore {
  private static final String INSERT = """
    INSERT INTO subscriptions (id, application_id, url, events, description, status, secret, filter, payload_format,
                               signature_scheme, category, shop_id, rate_limit_per_second)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING""" + " " + Subscription.COLUMNS;
  private static final String LIST = "SELECT " + Subscription.COLUMNS + ", count(*) OVER () AS total"
    + " FROM subscriptions WHERE ($1::uuid IS NULL OR application_id = $1) ORDER BY created_at, id LIMIT $2 OFFSET $3";
  private static final String COUNT = "SELECT count(*) FROM subscriptions WHERE ($1::uuid IS NULL OR application_id = $1)";
  private static final String GET = "SELECT " + Subscription.COLUMNS
    + " FROM subscriptions WHERE id = $1 AND ($2::uuid IS NULL OR application_id = $2)";
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
           payload_format = coalesce($10, payload_format),
           signature_scheme = coalesce($11, signature_scheme),
           rate_limit_per_second = CASE WHEN $12 THEN $13 ELSE rate_limit_per_second END,
           consecutive_exhausted = CASE WHEN $7 = 'ACTIVE' THEN 0 ELSE consecutive_exhausted END,
           failing_since = CASE WHEN $7 = 'ACTIVE' THEN NULL ELSE failing_since END,
           updated_at = now()
     WHERE id = $1 AND application_id = $2
    RETURNING""" + " " + Subscription.COLUMNS;
  /** Its old secrets go with it (foreign key); what the engine keeps of it goes separately, in the same transaction. */
  private static final String DELETE = "DELETE FROM subscriptions WHERE id = $1 AND application_id = $2 RETURNING id";
  private static final String IDS_OF_APPLICATION = "SELECT id FROM subscriptions WHERE application_id = $1";
  /** The subscription registered for a category (and shop), locked until the registering transaction ends. */
  private static final String REGISTERED = """
    SELECT id FROM subscriptions
     WHERE application_id = $1 AND category = $2 AND coalesce(shop_id, '') = coalesce($3, '') FOR UPDATE""";
  /** The current secret and those still in their grace period, to check against a new signature scheme. */
  private static final String SECRETS = """
    SELECT s.secret, ARRAY(SELECT o.secret FROM subscription_old_secrets o
                            WHERE o.subscription_id = s.id AND o.expires_at > now()) AS old_secrets
      FROM subscriptions s WHERE s.id = $1 AND s.application_id = $2""";
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
  private static final String DELETE_ENDED_SECRETS = "DELETE FROM subscription_old_secrets WHERE expires_at < now()";

  /** What delivery needs of every subscription, with its current and still valid old secrets (sealed). */
  private static final String KEYED = """
    SELECT s.id, s.application_id, s.url, s.events, s.status, s.filter, s.payload_format, s.signature_scheme, s.secret,
           s.rate_limit_per_second,
           ARRAY(SELECT o.secret FROM subscription_old_secrets o
                  WHERE o.subscription_id = s.id AND o.expires_at > now() ORDER BY o.expires_at DESC) AS old_secrets,
           ARRAY(SELECT o.expires_at FROM subscription_old_secrets o
                  WHERE o.subscription_id = s.id AND o.expires_at > now() ORDER BY o.expires_at DESC) AS old_expiries
      FROM subscriptions s""";
  private static final String KEYED_ONE = KEYED + " WHERE s.id = $1";

  /** The applications of the subscriptions that exist, locked against deletion until the transaction ends. */
  private static final String LOCK_EXISTING = """
    SELECT id, application_id FROM subscriptions WHERE id = ANY($1) ORDER BY id FOR KEY SHARE""";
  /**
   * Health after a batch of attempts (the success rate comes from the stats roll-up, over 24 hours); the
   * subscriptions whose rate fell below $9 with it (their health went to error). {@code before} is the row
   * as the statement found it.
   */
  private static final String HEALTH = """
    UPDATE subscriptions s
       SET last_triggered_at = greatest(s.last_triggered_at, u.last_success, u.last_failure),
           last_success_at = greatest(s.last_success_at, u.last_success),
           last_failure_at = greatest(s.last_failure_at, u.last_failure),
           last_failure_reason = coalesce(u.failure_reason, s.last_failure_reason),
           consecutive_exhausted = CASE WHEN u.succeeded THEN 0 ELSE s.consecutive_exhausted + u.exhausted END,
           failing_since = CASE WHEN u.last_ok THEN NULL ELSE coalesce(s.failing_since, u.last_failure) END,
           success_rate = coalesce(u.rate, 100)
      FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::bool[], $6::bool[], $7::int[],
                  $8::float8[])
           AS u(id, last_success, last_failure, failure_reason, succeeded, last_ok, exhausted, rate),
           subscriptions before
     WHERE s.id = u.id AND before.id = s.id
    RETURNING s.id, before.success_rate >= $9 AND s.success_rate < $9 AS failing""";
  private static final String AUTO_DISABLE = """
    UPDATE subscriptions
       SET status = 'DISABLED', updated_at = now(),
           disabled_reason = CASE
             WHEN id = ANY($2) THEN 'The endpoint answered 410 Gone'
             WHEN consecutive_exhausted >= $3 THEN consecutive_exhausted || ' deliveries in a row failed after all retries'
             ELSE 'Every delivery has failed since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
           END
     WHERE id = ANY($1) AND status = 'ACTIVE'
       AND (id = ANY($2) OR consecutive_exhausted >= $3 OR failing_since < $5::timestamptz - $4 * interval '1 millisecond')
    RETURNING id, disabled_reason""";
  private static final String CIRCUIT = "UPDATE subscriptions SET circuit_state = $2 WHERE url = $1 AND circuit_state <> $2";

  /**
   * The fields a PATCH may change; null means "leave as it is" (in {@code dialect}, each name on its own),
   * except for the description and the rate limit, which may be set to null (when their {@code set…} flag
   * says so).
   */
  public record Changes(String url, List<String> events, boolean setDescription, String description,
                        Subscription.Status status, String disabledReason, SubscriptionFilter filter,
                        Subscription.DialectNames dialect, boolean setRateLimit, Integer rateLimitPerSecond) {
    /** A change of status alone (and why it is disabled, when it is). */
    public static Changes status(Subscription.Status status, String disabledReason) {
      return new Changes(null, null, false, null, status, disabledReason, null, null, false, null);
    }
  }

  /**
   * What a new subscription is made of besides its application; {@code category} and {@code shopId} for
   * registrations, {@code rateLimitPerSecond} the partner's own pace (null: none).
   */
  public record New(String url, List<String> events, String description, Subscription.Status status, String secret,
                    SubscriptionFilter filter, Subscription.DialectNames dialect, String category, String shopId,
                    Integer rateLimitPerSecond) {
  }

  /** A subscription with its sealed signing secrets: the current one, and old ones with their expiries. */
  record Keyed(UUID id, UUID applicationId, String url, List<String> events, Subscription.Status status,
               SubscriptionFilter filter, Subscription.DialectNames dialect, byte[] secret, List<byte[]> oldSecrets,
               List<Instant> oldExpiries, Integer rateLimitPerSecond) {
  }

  /** A subscription disabled automatically, and why. */
  public record Disabled(UUID id, String reason) {
  }

  /** One subscription's health after a batch of attempts. */
  public record Health(UUID id, OffsetDateTime lastSuccess, OffsetDateTime lastFailure, String failureReason,
                       boolean succeeded, boolean lastOk, int exhausted, Double successRate) {
  }

  private final SecretBox secrets;

  public SubscriptionStore(SecretBox secrets) {
    this.secrets = secrets;
  }

  public Future<Subscription> create(SqlClient sql, UUID applicationId, New s) {
    UUID id = UUID.randomUUID();
    return sql.preparedQuery(INSERT)
      .execute(Tuple.of(id, applicationId, s.url(), s.events().toArray(String[]::new), s.description(),
          s.status().name(), Buffer.buffer(secrets.seal(id, s.secret())))
        .addValue(s.filter().isEmpty() ? null : s.filter().toJson())
        .addValue(s.dialect().payloadFormat()).addValue(s.dialect().signatureScheme())
        .addValue(s.category()).addValue(s.shopId()).addValue(s.rateLimitPerSecond()))
      .map(rows -> Subscription.from(rows.iterator().next()));
  }

  /** The application's subscription registered for the category and shop, locked for the transaction; or null. */
  public Future<UUID> registered(SqlClient sql, UUID applicationId, String category, String shopId) {
    return sql.preparedQuery(REGISTERED).execute(Tuple.of(applicationId, category, shopId))
      .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID("id"));
  }

  /**
   * Whether every secret the subscription signs with (the current one and those in their grace period)
   * passes {@code check}; false when there is no such subscription of the application. The secrets are
   * opened here and go no further.
   */
  public Future<Boolean> secretsPass(SqlClient sql, UUID id, UUID applicationId, Predicate<String> check) {
    return sql.preparedQuery(SECRETS).execute(Tuple.of(id, applicationId)).map(rows -> {
      if (rows.size() == 0) {
        return false;
      }
      Row row = rows.iterator().next();
      if (!check.test(secrets.open(id, row.getBuffer("secret").getBytes()))) {
        return false;
      }
      for (Buffer old : row.getArrayOfBuffers("old_secrets")) {
        if (!check.test(secrets.open(id, old.getBytes()))) {
          return false;
        }
      }
      return true;
    });
  }

  /** One application's subscriptions, or (support view) every application's when it is null. */
  public Future<Paged<Subscription>> list(SqlClient sql, UUID applicationId, int limit, int offset) {
    return Paged.query(sql, LIST, Tuple.of(applicationId, limit, offset), COUNT, Tuple.of(applicationId),
      Subscription::from);
  }

  /** The subscription, of the application when one is given; null when there is none. */
  public Future<Subscription> get(SqlClient sql, UUID id, UUID applicationId) {
    return sql.preparedQuery(GET).execute(Tuple.of(id, applicationId)).map(SubscriptionStore::firstOrNull);
  }

  public Future<Subscription> update(SqlClient sql, UUID id, UUID applicationId, Changes changes) {
    Tuple args = Tuple.of(id, applicationId, changes.url(),
        changes.events() == null ? null : changes.events().toArray(String[]::new),
        changes.setDescription(), changes.description())
      .addValue(changes.status() == null ? null : changes.status().name())
      .addValue(changes.disabledReason())
      .addValue(changes.filter() == null ? null : changes.filter().toJson())
      .addValue(changes.dialect() == null ? null : changes.dialect().payloadFormat())
      .addValue(changes.dialect() == null ? null : changes.dialect().signatureScheme())
      .addValue(changes.setRateLimit())
      .addValue(changes.rateLimitPerSecond());
    return sql.preparedQuery(UPDATE).execute(args).map(SubscriptionStore::firstOrNull);
  }

  private static final String DIALECTS_IN_USE = "SELECT DISTINCT payload_format, signature_scheme FROM subscriptions";

  /** The payload formats and signature schemes that subscriptions name. */
  public Future<DialectsReload.InUse> dialectsInUse(SqlClient sql) {
    return sql.query(DIALECTS_IN_USE).execute().map(DialectsReload.InUse::of);
  }

  /** Whether the application's subscription was there to delete. */
  public Future<Boolean> delete(SqlClient sql, UUID id, UUID applicationId) {
    return sql.preparedQuery(DELETE).execute(Tuple.of(id, applicationId)).map(rows -> rows.size() > 0);
  }

  public Future<List<UUID>> idsOfApplication(SqlClient sql, UUID applicationId) {
    return sql.preparedQuery(IDS_OF_APPLICATION).execute(Tuple.of(applicationId)).map(rows -> {
      List<UUID> ids = new ArrayList<>(rows.size());
      rows.forEach(row -> ids.add(row.getUUID(0)));
      return ids;
    });
  }

  /** Replaces the signing secret; false when there is no such subscription of the application. */
  public Future<Boolean> rotate(SqlClient sql, UUID id, UUID applicationId, String secret, long graceSeconds) {
    return sql.preparedQuery(ROTATE)
      .execute(Tuple.of(id, applicationId, Buffer.buffer(secrets.seal(id, secret)), graceSeconds))
      .map(rows -> rows.iterator().next().getLong(0) > 0);
  }

  /** Forgets rotated-out secrets whose grace period has ended; how many. */
  public Future<Integer> deleteEndedSecrets(SqlClient sql) {
    return sql.query(DELETE_ENDED_SECRETS).execute().map(RowSet::rowCount);
  }

  Future<List<Keyed>> keyedAll(SqlClient sql) {
    return sql.query(KEYED).execute().map(SubscriptionStore::keyed);
  }

  /** The subscription with its secrets, or none. */
  Future<List<Keyed>> keyed(SqlClient sql, UUID id) {
    return sql.preparedQuery(KEYED_ONE).execute(Tuple.of(id)).map(SubscriptionStore::keyed);
  }

  /** Opens a sealed secret of the subscription. */
  String open(UUID id, byte[] sealed) {
    return secrets.open(id, sealed);
  }

  /**
   * The application of each of these subscriptions that still exists; in a transaction they stay so
   * (locked against deletion) until it ends.
   */
  public Future<Map<UUID, UUID>> lockExisting(SqlClient sql, Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return sql.preparedQuery(LOCK_EXISTING).execute(Tuple.of(ids.stream().distinct().toArray(UUID[]::new)))
      .map(rows -> {
        Map<UUID, UUID> applications = new HashMap<>();
        rows.forEach(row -> applications.put(row.getUUID("id"), row.getUUID("application_id")));
        return applications;
      });
  }

  /**
   * Records health in subscription order (concurrent writers on several nodes cannot deadlock); the
   * subscriptions whose health went to error with it.
   */
  public Future<List<UUID>> recordHealth(SqlClient sql, List<Health> health) {
    if (health.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Health> rows = health.stream().sorted(java.util.Comparator.comparing(Health::id)).toList();
    Tuple args = Columns.of(rows).uuid(Health::id).timestamp(h -> instant(h.lastSuccess()))
      .timestamp(h -> instant(h.lastFailure())).text(Health::failureReason).bool(Health::succeeded)
      .bool(Health::lastOk).integer(Health::exhausted).tuple()
      .addArrayOfDouble(rows.stream().map(Health::successRate).toArray(Double[]::new))
      .addDouble(Subscription.ERROR_BELOW);
    return sql.preparedQuery(HEALTH).execute(args).map(updated -> {
      List<UUID> failing = new ArrayList<>();
      updated.forEach(row -> {
        if (row.getBoolean("failing")) {
          failing.add(row.getUUID("id"));
        }
      });
      return failing;
    });
  }

  /**
   * Disables, among {@code failing}, the active subscriptions whose endpoint answered 410 ({@code gone}),
   * that exhausted {@code afterExhausted} deliveries in a row, or that have failed everything for
   * {@code failingForMs} as of {@code now}; their ids.
   */
  public Future<List<Disabled>> autoDisable(SqlClient sql, Collection<UUID> failing, Set<UUID> gone, int afterExhausted,
                                            long failingForMs, Instant now) {
    if (failing.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return sql.preparedQuery(AUTO_DISABLE).execute(Tuple.of(failing.stream().sorted().toArray(UUID[]::new),
      gone.toArray(UUID[]::new), afterExhausted, failingForMs, now.atOffset(ZoneOffset.UTC))).map(rows -> {
        List<Disabled> disabled = new ArrayList<>();
        rows.forEach(row -> disabled.add(new Disabled(row.getUUID("id"), row.getString("disabled_reason"))));
        return disabled;
      });
  }

  /** The circuit state of every subscription that delivers to {@code url}, for its health. */
  public Future<Void> recordCircuit(SqlClient sql, String url, String state) {
    return sql.preparedQuery(CIRCUIT).execute(Tuple.of(url, state)).mapEmpty();
  }

  private static List<Keyed> keyed(RowSet<Row> rows) {
    List<Keyed> all = new ArrayList<>(rows.size());
    for (Row row : rows) {
      List<byte[]> old = new ArrayList<>();
      for (Buffer b : row.getArrayOfBuffers("old_secrets")) {
        old.add(b.getBytes());
      }
      List<Instant> expiries = new ArrayList<>();
      for (OffsetDateTime t : row.getArrayOfOffsetDateTimes("old_expiries")) {
        expiries.add(t.toInstant());
      }
      all.add(new Keyed(row.getUUID("id"), row.getUUID("application_id"), row.getString("url"),
        List.of(row.getArrayOfStrings("events")), Subscription.Status.valueOf(row.getString("status")),
        SubscriptionFilter.fromJson((JsonObject) row.getJson("filter")),
        new Subscription.DialectNames(row.getString("payload_format"), row.getString("signature_scheme")),
        row.getBuffer("secret").getBytes(), old, expiries, row.getInteger("rate_limit_per_second")));
    }
    return all;
  }

  private static Instant instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }

  private static Subscription firstOrNull(RowSet<Row> rows) {
    return rows.size() == 0 ? null : Subscription.from(rows.iterator().next());
  }
}
