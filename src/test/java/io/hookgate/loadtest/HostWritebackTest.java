package io.hookgate.loadtest;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HostWritebackTest {
  @Test
  void warnsWhenWritebackStartsLate() {
    JsonObject kernelDefaults = new JsonObject().put("vm.dirty_background_bytes", 0L)
      .put("vm.dirty_background_ratio", 10L).put("vm.dirty_expire_centisecs", 3000L)
      .put("background_writeback_starts_mb", 2300L);
    assertThat(HostWriteback.warning(kernelDefaults))
      .contains("2300 MB", "every ~30 s", "vm.dirty_background_bytes=16777216");
  }

  @Test
  void quietWhenWritebackIsContinuous() {
    JsonObject databaseHost = new JsonObject().put("vm.dirty_background_bytes", 16_777_216L)
      .put("vm.dirty_expire_centisecs", 3000L).put("background_writeback_starts_mb", 16L);
    assertThat(HostWriteback.warning(databaseHost)).isNull();
    assertThat(HostWriteback.warning(new JsonObject())).as("nothing known (not Linux)").isNull();
  }
}
