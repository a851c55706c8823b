package io.hookgate.engine;

import java.util.Locale;

/** A change to a delivery that spends no attempt (see the package's page for when each happens). */
enum Move {
  /** Due again at a later time: the node or the endpoint was busy, or the node is handing it back. */
  POSTPONE,
  /** The endpoint's breaker is open: no due time until it closes. */
  PARK,
  /** The subscription is paused: held until it is resumed. */
  HOLD,
  /** The subscription is disabled or deleted: failed without an attempt. */
  SKIP;

  String sql() {
    return name().toLowerCase(Locale.ROOT);
  }
}
