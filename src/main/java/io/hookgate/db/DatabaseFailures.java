package io.hookgate.db;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.Set;

/**
 * Tells apart the ways a statement can fail: the database being away (stopped, restarting, read-only,
 * out of disk, not answering: try again later, HTTP 503) from a value it refused (a data or integrity
 * error caused by the statement's own arguments) and from everything else (a bug).
 */
public final class DatabaseFailures {
  /** SQLSTATE classes and codes that say "not now" rather than "not this". */
  private static final Set<String> UNAVAILABLE_CLASSES = Set.of("08", "53", "58");
  private static final Set<String> UNAVAILABLE_CODES = Set.of(
    "57P01", "57P02", "57P03", // admin shutdown, crash shutdown, cannot connect now (starting up)
    "57014",                   // query cancelled (statement timeout)
    "25006",                   // read-only transaction (a standby, or default_transaction_read_only)
    "40001", "40P01",          // serialization failure, deadlock
    "55P03");                  // lock not available
  /** What the pool says when it is closing, or when no connection could be had within its wait. */
  private static final Set<String> POOL_MESSAGES = Set.of("Pool closed", "Timeout");
  private static final String CLIENT_CLOSED = "Client is closed";

  private DatabaseFailures() {
  }

  /** Whether the failure means the database cannot serve now (so the request may succeed later). */
  public static boolean unavailable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof PgException pg) {
        String state = pg.getSqlState();
        return state != null && (UNAVAILABLE_CODES.contains(state)
          || state.length() == 5 && UNAVAILABLE_CLASSES.contains(state.substring(0, 2)));
      }
      if (t instanceof ClosedConnectionException || t instanceof ConnectException
        || t instanceof ConnectTimeoutException || t instanceof ClosedChannelException) {
        return true;
      }
      if (t instanceof VertxException && t.getCause() == null && POOL_MESSAGES.contains(t.getMessage())) {
        return true;
      }
      // A pool asked for a new connection while the node stops: its network client has just closed.
      if (t instanceof IllegalStateException && CLIENT_CLOSED.equals(t.getMessage())) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * Whether the statement failed on a value it was given (SQLSTATE class 22, data exception, or 23,
   * integrity constraint): retrying it without that value can succeed.
   */
  public static boolean refusedValue(Throwable failure) {
    if (failure instanceof PgException pg && pg.getSqlState() != null) {
      return pg.getSqlState().startsWith("22") || pg.getSqlState().startsWith("23");
    }
    return false;
  }
}
