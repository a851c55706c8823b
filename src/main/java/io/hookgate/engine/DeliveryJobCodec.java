package io.hookgate.engine;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

/**
 * Event-bus codec for {@link DeliveryJob}. On the node that sent it, the (immutable) job is handed over
 * as it is: no JSON built, copied and parsed again per delivery. To another cluster member it travels
 * as its JSON form, length-prefixed.
 */
final class DeliveryJobCodec implements MessageCodec<DeliveryJob, DeliveryJob> {

  /** Makes {@link DeliveryJob} a type the event bus carries. Every node registers it before deploying. */
  public static void register(EventBus bus) {
    bus.registerDefaultCodec(DeliveryJob.class, new DeliveryJobCodec());
  }

  @Override
  public void encodeToWire(Buffer buffer, DeliveryJob job) {
    Buffer json = job.toJson().toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public DeliveryJob decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return DeliveryJob.fromJson(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length)));
  }

  @Override
  public DeliveryJob transform(DeliveryJob job) {
    return job;
  }

  @Override
  public String name() {
    return "hookgate-delivery-job";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
