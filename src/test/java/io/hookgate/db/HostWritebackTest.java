package io.hookgate.db;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HostWritebackTest {
  @Test
  void readsTheKernelsValues() throws Exception {
    // Read by another program: the harness's own first attempt read one byte of each value.
    Process cat = new ProcessBuilder("cat", "/proc/sys/vm/dirty_expire_centisecs", "/proc/sys/vm/dirty_background_bytes")
      .start();
    List<String> expected = new String(cat.getInputStream().readAllBytes()).lines().toList();
    assertThat(cat.waitFor()).isZero();
    JsonObject settings = HostWriteback.settings();
    assertThat(settings.getLong("vm.dirty_expire_centisecs")).isEqualTo(Long.parseLong(expected.get(0)));
    assertThat(settings.getLong("vm.dirty_background_bytes")).isEqualTo(Long.parseLong(expected.get(1)));
    assertThat(settings.getLong("background_writeback_starts_mb")).isNotNull();
  }

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
