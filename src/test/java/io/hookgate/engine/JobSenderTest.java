package io.hookgate.engine;

import io.hookgate.support.TestGateway;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.hookgate.support.Receiver.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * While a member stops, a job its dispatchers drop as they leave (a consumer that unregisters drops what
 * was already queued to it, without an answer) is sent again instead of waiting for its lease.
 */
class JobSenderTest {

  @Test
  void aJobNobodyAcknowledgesWhileAMemberStopsIsSentAgain() {
    Vertx vertx = Vertx.vertx();
    try {
      DeliveryJobCodec.register(vertx.eventBus());
      AtomicInteger arrivals = new AtomicInteger();
      List<UUID> taken = new CopyOnWriteArrayList<>();
      // The first arrival is dropped as a leaving dispatcher drops it; the next is taken and acknowledged.
      vertx.eventBus().<DeliveryJob>consumer(DeliveryJob.ADDRESS, message -> {
        if (arrivals.incrementAndGet() > 1) {
          taken.add(message.body().deliveryId());
          message.reply(null);
        }
      });
      JobSender jobs = new JobSender(vertx);
      TestGateway.await(jobs.announceStopping("node-leaving"));

      UUID delivery = UUID.randomUUID();
      jobs.send(new DeliveryJob(delivery, "evt_1", UUID.randomUUID(), "order.created", 0, "{}", Instant.now()));

      eventually(() -> !taken.isEmpty(), 10_000, "the job to be sent again and taken");
      assertThat(taken).containsExactly(delivery);
      assertThat(arrivals.get()).isEqualTo(2);
    } finally {
      TestGateway.await(vertx.close());
    }
  }

  @Test
  void outsideAStopAJobIsSentOnceAndForgotten() {
    Vertx vertx = Vertx.vertx();
    try {
      DeliveryJobCodec.register(vertx.eventBus());
      List<Boolean> expectsAnswer = new CopyOnWriteArrayList<>();
      vertx.eventBus().<DeliveryJob>consumer(DeliveryJob.ADDRESS,
        message -> expectsAnswer.add(message.replyAddress() != null));
      new JobSender(vertx).send(new DeliveryJob(UUID.randomUUID(), "evt_2", UUID.randomUUID(), "order.created", 0,
        "{}", Instant.now()));
      eventually(() -> expectsAnswer.size() == 1, 5_000, "the job to arrive");
      assertThat(expectsAnswer).containsExactly(false);
    } finally {
      TestGateway.await(vertx.close());
    }
  }
}
