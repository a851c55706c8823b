package io.hookgate.loadtest;

import io.vertx.core.json.JsonObject;

/** Runs the load test in-process (for the smoke test) and returns its report. */
public final class LoadTestRunner {
  private LoadTestRunner() {
  }

  public static JsonObject run(String... args) throws Exception {
    return new LoadTest(LoadTest.Options.parse(args)).run();
  }
}
