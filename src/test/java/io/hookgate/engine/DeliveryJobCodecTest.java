package io.hookgate.engine;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryJobCodecTest {

  @Test
  void aJobCrossesTheWireUnchangedAndStaysTheSameObjectLocally() {
    DeliveryJob job = new DeliveryJob(UUID.randomUUID(), "evt_1", UUID.randomUUID(), "order.created", 2,
      "{\"id\":\"evt_1\",\"data\":{\"note\":\"ünïcode \\\"quoted\\\"\"}}",
      Instant.parse("2026-11-22T10:15:30.123456Z"));
    DeliveryJobCodec codec = new DeliveryJobCodec();
    Buffer wire = Buffer.buffer("prefix");
    codec.encodeToWire(wire, job);

    assertThat(codec.decodeFromWire("prefix".length(), wire)).isEqualTo(job);
    assertThat(codec.transform(job)).isSameAs(job);
  }

  @Test
  void aJobWithoutARowYetKeepsWhatItsRowNeeds() {
    DeliveryJob job = new DeliveryJob(UUID.randomUUID(), "evt_2", UUID.randomUUID(), "order.paid", 0, "{}",
      Instant.parse("2026-11-22T10:15:30.123456Z"), new DeliveryJob.Unrecorded("node-a", UUID.randomUUID()));
    DeliveryJobCodec codec = new DeliveryJobCodec();
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, job);

    DeliveryJob decoded = codec.decodeFromWire(0, wire);
    assertThat(decoded).isEqualTo(job);
    assertThat(decoded.createdAt()).isEqualTo(Instant.parse("2026-11-22T10:15:30.123456Z"));
    assertThat(decoded.unrecorded().node()).isEqualTo("node-a");
  }
}
