package io.hookgate.engine;

import io.hookgate.outbound.EndpointResolver;
import io.hookgate.subscription.Subscription;

import java.time.Duration;

/**
 * The dispatcher's decisions, as functions of what it knows at the moment it decides: before an
 * attempt, whether a job may go out now; after it, what becomes of the delivery. The dispatcher only
 * gathers the facts (subscription, breaker, rate, cap) and carries the decision out.
 */
final class DispatchRules {
  private DispatchRules() {
  }

  /** What happens to a job before anything is sent, in the order the rules are checked. */
  enum Admission {
    /** The subscription is gone: the delivery fails with {@code subscription_deleted}. */
    SKIP_DELETED,
    /** The subscription is paused: the delivery is held until the partner resumes it. */
    HOLD,
    /** The subscription is disabled: the delivery fails with {@code subscription_disabled}. */
    SKIP_DISABLED,
    /** The endpoint's breaker is open: the delivery is parked until the breaker closes. */
    PARK,
    /** The endpoint's rate limit is spent: the delivery is due again once a token is back. */
    POSTPONE_FOR_RATE,
    /** This node holds no share of the endpoint's in-flight cap: another member sends it. */
    FORWARD,
    /** Send it if the endpoint has an in-flight slot; otherwise it queues for one. */
    TAKE_SLOT
  }

  /**
   * @param status     the subscription's status, or null when it no longer exists
   * @param forwarded  whether another member already handed this job over (it is never handed on again)
   * @param holdsShare whether this node holds a share of the endpoint's in-flight cap
   */
  static Admission admit(Subscription.Status status, boolean breakerOpen, long rateDelayMs, boolean forwarded,
                         boolean holdsShare) {
    if (status == null) {
      return Admission.SKIP_DELETED;
    }
    switch (status) {
      case PAUSED -> {
        return Admission.HOLD;
      }
      case DISABLED -> {
        return Admission.SKIP_DISABLED;
      }
      default -> {
      }
    }
    if (breakerOpen) {
      return Admission.PARK;
    }
    if (rateDelayMs > 0) {
      return Admission.POSTPONE_FOR_RATE;
    }
    if (!forwarded && !holdsShare) {
      return Admission.FORWARD;
    }
    return Admission.TAKE_SLOT;
  }

  /** What becomes of a job that found its endpoint at the cap. */
  enum Queueing {
    /** It waits on this event loop for a slot. */
    WAIT,
    /** The bounded queue is full: back to PostgreSQL, due again shortly. */
    POSTPONE
  }

  static Queueing queue(int waiting, int maxWaiting) {
    return waiting >= maxWaiting ? Queueing.POSTPONE : Queueing.WAIT;
  }

  /** What becomes of a job that waited for a slot, each time a slot may have freed up. */
  enum Release {
    /** The breaker opened while it waited. */
    PARK,
    /** It waited too long: back to PostgreSQL, due now, for whichever dispatcher gets a slot first. */
    POSTPONE,
    /** It got the slot. */
    START,
    /** No slot yet: it keeps its place. */
    KEEP_WAITING
  }

  static Release release(long waitedMs, long maxWaitMs, boolean breakerOpen, boolean slotTaken) {
    if (breakerOpen) {
      return Release.PARK;
    }
    if (waitedMs > maxWaitMs) {
      return Release.POSTPONE;
    }
    return slotTaken ? Release.START : Release.KEEP_WAITING;
  }

  /** The outcome of an attempt: what the result writer records, and when a retry is due. */
  record Verdict(ResultWriter.Decision decision, Duration retryIn) {
    static Verdict of(ResultWriter.Decision decision) {
      return new Verdict(decision, null);
    }
  }

  /**
   * A 2xx succeeds; a 410 says the endpoint is gone for good (the subscription is disabled); anything
   * else retries on the schedule, honouring the receiver's {@code Retry-After} up to its bound, until the
   * schedule is spent. An address the SSRF guard refuses fails at once: it will not stop being refused by
   * the next retry.
   */
  static Verdict judge(Attempt attempt, RetrySchedule schedule) {
    if (attempt.succeeded()) {
      return Verdict.of(ResultWriter.Decision.SUCCESS);
    }
    if (Integer.valueOf(410).equals(attempt.status())) {
      return Verdict.of(ResultWriter.Decision.GONE);
    }
    Duration delay = EndpointResolver.BLOCKED.equals(attempt.failureReason()) ? null
      : schedule.next(attempt.number(), attempt.retryAfter());
    return delay == null ? Verdict.of(ResultWriter.Decision.EXHAUSTED) : new Verdict(ResultWriter.Decision.RETRY, delay);
  }
}
