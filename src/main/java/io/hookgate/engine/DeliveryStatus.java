package io.hookgate.engine;

import java.util.Locale;

/**
 * Where a delivery stands (the {@code status} column, and the status partners see). Written to SQL and
 * read from it only through {@link DeliveryStore}; the transitions are on the package's page.
 */
public enum DeliveryStatus {
  /** Not attempted yet, or handed back (postponed, released, recovered) for a first attempt. */
  PENDING,
  /** Attempted and failed; the next attempt is scheduled. */
  RETRYING,
  /** Its subscription is paused: it waits, without a due time, until the subscription is resumed. */
  HELD,
  /** An attempt succeeded (final). */
  SUCCESS,
  /** Every attempt failed, or it could not be attempted at all (final). */
  FAILED;

  /** The value in the database and on the wire. */
  public String sql() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static DeliveryStatus of(String sql) {
    return valueOf(sql.toUpperCase(Locale.ROOT));
  }

  public boolean isFinal() {
    return this == SUCCESS || this == FAILED;
  }
}
