package io.hookgate.loadtest;

import io.hookgate.loadtest.LoadTestRunner;
import io.hookgate.support.Slow;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The load-test harness, run small (seconds), so it cannot rot: the three baselines forward without
 * errors, every event the gateway acknowledged arrives, and the closed-loop run is set against the
 * baselines.
 */
@Slow
class LoadTestSmokeTest {
  @TempDir
  Path out;

  @Test
  void theHarnessRunsAndLosesNothing() throws Exception {
    JsonObject report = LoadTestRunner.run("--scenarios=baselines,smoke,throughput-f1,baselines", "--duration=3", "--warmup=1",
      "--connections=8", "--out=" + out);
    // Listed twice, the baselines run before and after the scenarios (the ratios use the mean of both).
    for (String run : new String[] {"baselines", "baselines_after"}) {
      for (String baseline : new String[] {"bare_forwarder", "naive_durable_forwarder", "group_commit_forwarder"}) {
        JsonObject measured = report.getJsonObject(run).getJsonObject(baseline);
        assertThat(measured.getLong("requests_per_s")).as(run + " " + baseline).isPositive();
        assertThat(measured.getLong("errors")).as(run + " " + baseline).isZero();
      }
    }
    JsonObject smoke = report.getJsonObject("scenarios").getJsonObject("smoke");
    assertThat(smoke.getLong("acked")).isPositive();
    assertThat(smoke.getLong("lost")).isZero();
    assertThat(smoke.getLong("bad_signatures")).isZero();
    assertThat(smoke.getLong("deliveries_per_s")).isPositive();
    JsonObject f1 = report.getJsonObject("scenarios").getJsonObject("throughput-f1");
    assertThat(f1.getLong("lost")).isZero();
    // Each closed-loop scenario is compared with every baseline, by throughput and by CPU per request.
    double naiveMean = (report.getJsonObject("baselines").getJsonObject("naive_durable_forwarder").getLong("requests_per_s")
      + report.getJsonObject("baselines_after").getJsonObject("naive_durable_forwarder").getLong("requests_per_s")) / 2;
    for (String ratio : new String[] {"f1_vs_naive_durable", "f1_vs_bare", "f1_vs_group_commit"}) {
      assertThat(report.getJsonObject("ratios").getDouble(ratio)).as(ratio).isPositive();
      assertThat(report.getJsonObject("cpu_ratios").getDouble(ratio)).as(ratio).isPositive();
    }
    assertThat(report.getJsonObject("ratios").getDouble("f1_vs_naive_durable"))
      .isCloseTo(f1.getLong("deliveries_per_s") / naiveMean, within(0.02));
    // The host's writeback settings shape the latency tail; every report records them.
    assertThat(report.getJsonObject("host_writeback").fieldNames())
      .contains("vm.dirty_background_bytes", "vm.dirty_expire_centisecs", "background_writeback_starts_mb");
    assertThat(Files.exists(out.resolve("report.json"))).isTrue();
    assertThat(Files.exists(out.resolve("smoke-throughput.png"))).isTrue();
  }
}
