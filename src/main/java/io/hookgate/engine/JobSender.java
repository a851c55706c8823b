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
 * dispatcher acknowledges, and one that finds no handler is sent again, to another member.
 *
 * <p>Threading: any thread; the state is one volatile time.
 */
public final class JobSender {
  /** Published by a member about to stop taking jobs. */
  public static final String STOPPING = "hookgate.members.stopping";
  /** How long after a member's announcement jobs are sent as acknowledged requests. */
  static final long CAREFUL_MS = 20_000;
  private static final int TRIES = 5;
  private static final long ACK_TIMEOUT_MS = 30_000;

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
        // Only "nobody took it" is sent again: a job that timed out may be with a dispatcher, and its
        // delivery is covered by its lease (or its event's fan-out) as before.
        if (tries > 1 && e instanceof ReplyException r && r.failureType() == ReplyFailure.NO_HANDLERS) {
          vertx.setTimer(20, id -> request(job, tries - 1));
        }
      });
  }

  /** Tells every member, this one included, that this member is about to stop taking jobs. */
  Future<Void> announceStopping(String nodeId) {
    vertx.eventBus().publish(STOPPING, nodeId);
    // Long enough for the announcement to reach the other members before this one's dispatchers leave.
    return vertx.timer(300).mapEmpty();
  }
}
