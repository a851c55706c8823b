package io.hookgate.engine;

import io.hookgate.engine.DispatchRules.Admission;
import io.hookgate.engine.DispatchRules.Queueing;
import io.hookgate.engine.DispatchRules.Release;
import io.hookgate.outbound.EndpointResolver;
import io.hookgate.outbound.Exchange;
import io.hookgate.subscription.Subscription.Status;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The dispatcher's decisions, one rule at a time, without a network or a database. */
class DispatchRulesTest {
  private static final RetrySchedule SCHEDULE = new RetrySchedule(
    List.of(Duration.ZERO, Duration.ofSeconds(10), Duration.ofMinutes(5)), 0, Duration.ofHours(1));

  @Test
  void theSubscriptionDecidesFirst() {
    // Even an open breaker or a spent rate does not keep a paused delivery from being held.
    assertThat(DispatchRules.admit(null, true, 500, false, false)).isEqualTo(Admission.SKIP_DELETED);
    assertThat(DispatchRules.admit(Status.PAUSED, true, 500, false, false)).isEqualTo(Admission.HOLD);
    assertThat(DispatchRules.admit(Status.DISABLED, true, 500, false, false)).isEqualTo(Admission.SKIP_DISABLED);
  }

  @Test
  void anOpenBreakerParksBeforeTheRateOrTheCapIsAsked() {
    assertThat(DispatchRules.admit(Status.ACTIVE, true, 500, false, false)).isEqualTo(Admission.PARK);
    assertThat(DispatchRules.admit(Status.ACTIVE, true, 0, true, true)).isEqualTo(Admission.PARK);
  }

  @Test
  void aSpentRatePostponesBeforeTheCap() {
    assertThat(DispatchRules.admit(Status.ACTIVE, false, 1, false, false)).isEqualTo(Admission.POSTPONE_FOR_RATE);
    assertThat(DispatchRules.admit(Status.ACTIVE, false, 0, false, true)).isEqualTo(Admission.TAKE_SLOT);
  }

  @Test
  void aNodeWithoutAShareForwardsOnceOnly() {
    assertThat(DispatchRules.admit(Status.ACTIVE, false, 0, false, false)).isEqualTo(Admission.FORWARD);
    // A job another member handed over is sent here (or waits here), never handed on again.
    assertThat(DispatchRules.admit(Status.ACTIVE, false, 0, true, false)).isEqualTo(Admission.TAKE_SLOT);
  }

  @Test
  void aJobAtTheCapQueuesThenIsDeferredToPostgresql() {
    assertThat(DispatchRules.queue(0, 3)).isEqualTo(Queueing.WAIT);
    assertThat(DispatchRules.queue(2, 3)).isEqualTo(Queueing.WAIT);
    assertThat(DispatchRules.queue(3, 3)).isEqualTo(Queueing.POSTPONE);

    assertThat(DispatchRules.release(10, 5_000, false, true)).isEqualTo(Release.START);
    assertThat(DispatchRules.release(10, 5_000, false, false)).isEqualTo(Release.KEEP_WAITING);
    assertThat(DispatchRules.release(5_001, 5_000, false, false)).isEqualTo(Release.POSTPONE);
    assertThat(DispatchRules.release(10, 5_000, true, false)).isEqualTo(Release.PARK);
  }

  @Test
  void successGoneAndExhausted() {
    assertThat(DispatchRules.judge(attempt(1, 200, null, null), SCHEDULE).decision())
      .isEqualTo(ResultWriter.Decision.SUCCESS);
    // 410 ends it at the first attempt, with retries left: the subscription is disabled.
    DispatchRules.Verdict gone = DispatchRules.judge(attempt(1, 410, "http_410", null), SCHEDULE);
    assertThat(gone.decision()).isEqualTo(ResultWriter.Decision.GONE);
    assertThat(gone.retryIn()).isNull();
    assertThat(DispatchRules.judge(attempt(3, 500, "http_500", null), SCHEDULE).decision())
      .isEqualTo(ResultWriter.Decision.EXHAUSTED);
    // An address the SSRF guard refuses fails at once.
    assertThat(DispatchRules.judge(attempt(1, null, EndpointResolver.BLOCKED, null), SCHEDULE).decision())
      .isEqualTo(ResultWriter.Decision.EXHAUSTED);
  }

  @Test
  void retriesFollowTheScheduleAndRetryAfterWithinItsBound() {
    DispatchRules.Verdict second = DispatchRules.judge(attempt(1, 500, "http_500", null), SCHEDULE);
    assertThat(second.decision()).isEqualTo(ResultWriter.Decision.RETRY);
    assertThat(second.retryIn()).isEqualTo(Duration.ofSeconds(10));
    // A longer Retry-After is honoured...
    assertThat(DispatchRules.judge(attempt(1, 429, "http_429", Duration.ofMinutes(2)), SCHEDULE).retryIn())
      .isEqualTo(Duration.ofMinutes(2));
    // ...up to the bound,
    assertThat(DispatchRules.judge(attempt(1, 503, "http_503", Duration.ofDays(2)), SCHEDULE).retryIn())
      .isEqualTo(Duration.ofHours(1));
    // and a shorter one does not bring the retry forward.
    assertThat(DispatchRules.judge(attempt(2, 503, "http_503", Duration.ofSeconds(1)), SCHEDULE).retryIn())
      .isEqualTo(Duration.ofMinutes(5));
  }

  private static Attempt attempt(int number, Integer status, String failureReason, Duration retryAfter) {
    DeliveryJob job = new DeliveryJob(UUID.randomUUID(), "evt_1", UUID.randomUUID(), "order.created", number - 1,
      "{}", Instant.now(), null);
    Exchange exchange = new Exchange(OffsetDateTime.now(), new JsonObject(), status, new JsonObject(), "", 5,
      failureReason, retryAfter);
    return new Attempt(job, number, exchange, null, null);
  }
}
