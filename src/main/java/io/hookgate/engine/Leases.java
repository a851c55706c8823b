package io.hookgate.engine;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * Handing leases back. A node owns the deliveries it claimed until their lease ends
 * ({@code next_attempt_at}, with {@code lease_owner} naming it); a node that stops, or is known to be
 * gone, should not make them wait that long. Released deliveries are due now, for any node.
 *
 * <p>Only leases that have not ended are touched: they lie within one lease of now, so the due index
 * finds them without reading the rows scheduled for later retries.
 */
public final class Leases {
  private static final Logger LOG = LoggerFactory.getLogger(Leases.class);

  private static final String RELEASE_OWN = """
    UPDATE deliveries SET next_attempt_at = now(), lease_owner = NULL, updated_at = now()
     WHERE lease_owner = $1 AND status IN ('pending', 'retrying')
       AND next_attempt_at > now() AND next_attempt_at <= now() + $2 * interval '1 millisecond'""";
  private static final String RELEASE_OTHERS = """
    UPDATE deliveries SET next_attempt_at = now(), lease_owner = NULL, updated_at = now()
     WHERE lease_owner IS NOT NULL AND NOT (lease_owner = ANY($1)) AND status IN ('pending', 'retrying')
       AND next_attempt_at > now() AND next_attempt_at <= now() + $2 * interval '1 millisecond'""";

  private Leases() {
  }

  /** This node is stopping: the deliveries it leased and did not finish are due now for the others. */
  public static Future<Integer> releaseOwn(Pool pool, String node, long leaseMs) {
    return pool.preparedQuery(RELEASE_OWN).execute(Tuple.of(node, leaseMs)).map(rows -> rows.rowCount());
  }

  /**
   * Leases held by nodes that are not among {@code live} (a previous life of this node killed without a
   * stop, a cluster member that left) are taken back at once rather than when they run out.
   */
  public static Future<Integer> releaseDead(Pool pool, Set<String> live, long leaseMs) {
    return pool.preparedQuery(RELEASE_OTHERS)
      .execute(Tuple.tuple().addArrayOfString(live.toArray(String[]::new)).addLong(leaseMs))
      .map(rows -> {
        if (rows.rowCount() > 0) {
          LOG.info("Took back {} deliveries leased by nodes that are gone", rows.rowCount());
        }
        return rows.rowCount();
      });
  }
}
