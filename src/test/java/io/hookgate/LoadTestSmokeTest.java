package io.hookgate;

import io.hookgate.loadtest.LoadTestRunner;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The load-test harness, run small (seconds), so it cannot rot: every acknowledged event arrives. */
class LoadTestSmokeTest {
  @TempDir
  Path out;

  @Test
  void theHarnessRunsAndLosesNothing() throws Exception {
    JsonObject report = LoadTestRunner.run("--scenarios=smoke", "--duration=3", "--warmup=1", "--connections=8",
      "--out=" + out);
    JsonObject smoke = report.getJsonObject("scenarios").getJsonObject("smoke");
    assertThat(smoke.getLong("acked")).isPositive();
    assertThat(smoke.getLong("lost")).isZero();
    assertThat(smoke.getLong("bad_signatures")).isZero();
    assertThat(smoke.getLong("deliveries_per_s")).isPositive();
    assertThat(Files.exists(out.resolve("report.json"))).isTrue();
    assertThat(Files.exists(out.resolve("smoke-throughput.png"))).isTrue();
  }
}
