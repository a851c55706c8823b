package io.hookgate.engine;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Sends delivery jobs to the cluster's dispatchers ({@value DeliveryJob#ADDRESS}). Most of the time a job
 * is sent and forgotten: the dispatcher that takes it answers for it. While a member is stopping, a job
 * may reach it just after its dispatchers left, before the others heard (the event bus drops a message
 * that finds no handler, and the delivery would wait for its lease). So a stopping member first tells
 * every member ({@value #STOPPING}); for a while after that, jobs go as requests that the receiving
 * dispatcher acknowledges, and one that finds no handler or is not acknowledged in time is sent again, to
 * another member.
 *
 * <p>Threading: any thread; the state is one volatile time.
 */
public final class JobSender {
  /** Published by a member about to stop taking jobs. */
  public static final String STOPPING = "hookgate.members.stopping";
  /** How long after a member's announcement jobs are sent as acknowledged requests. */
  static final long CAREFUL_MS = 20_000;
  private static final int TRIES = 5;
  private static final long ACK_TIMEOUT_MS = 3_000;
  private static final long ANNOUNCE_MS = 2_000;

  private final Vertx vertx;
  private volatile long carefulUntil;

  public JobSender(Vertx vertx) {
    this.vertx = vertx;
    vertx.eventBus().<String>consumer(STOPPING, message -> carefulUntil = System.currentTimeMillis() + CAREFUL_MS);
  }

  public void send(DeliveryJob job) {
    if (System.currentTimeMillis() >= carefulUntil) {
      vertx.eventBus().send(DeliveryJob.ADDRESS, job);
    } else {
      request(job, TRIES);
    }
  }

  private void request(DeliveryJob job, int tries) {
    vertx.eventBus().request(DeliveryJob.ADDRESS, job, new DeliveryOptions().setSendTimeout(ACK_TIMEOUT_MS))
      .onFailure(e -> {
        // A dispatcher acknowledges a job as it takes it. No handler, or no acknowledgement in time, means
        // the job was not taken: a consumer that unregisters drops what was already queued to it, without a
        // word. Sent again; an acknowledgement that was only late makes one more attempt of the delivery,
        // which at-least-once delivery allows (receivers de-duplicate on webhook-id).
        if (tries > 1 && e instanceof ReplyException r
          && (r.failureType() == ReplyFailure.NO_HANDLERS || r.failureType() == ReplyFailure.TIMEOUT)) {
          vertx.setTimer(20, id -> request(job, tries - 1));
        }
      });
  }

  /** Tells every member, this one included, that this member is about to stop taking jobs. */
  Future<Void> announceStopping(String nodeId) {
    vertx.eventBus().publish(STOPPING, nodeId);
    // Long enough, on a busy machine too, for the announcement to reach the other members and for the jobs
    // they sent before they heard it (sent and forgotten: nobody would send them again) to arrive before
    // this one's dispatchers leave.
    return vertx.timer(ANNOUNCE_MS).mapEmpty();
  }
}
