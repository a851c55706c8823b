package io.hookgate.db;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This host's dirty-page writeback settings, which shape the latency tail of every commit made here.
 * PostgreSQL grows its tables by writing zero-filled pages, which stay dirty in the page cache (no
 * {@code *_flush_after} setting covers them); with the kernel's defaults the flusher writes them out only
 * once they are 30 s old, so at 2,000 events/s ~150 MB leave in one burst every ~30 s and every commit's
 * {@code fdatasync} waits behind it (loadtest/README.md, "Host writeback"). A database host lowers
 * {@code vm.dirty_background_bytes} so writeback runs continuously. Read, never written: the embedded
 * server warns at start, the load test records them in its report.
 */
public final class HostWriteback {
  private static final Path VM = Path.of("/proc/sys/vm");
  private static final String[] SETTINGS = {
    "dirty_background_bytes", "dirty_background_ratio", "dirty_expire_centisecs", "dirty_writeback_centisecs"};
  /** Above this much dirty memory before background writeback starts, the bursts are large enough to see. */
  private static final long BURSTY_MB = 64;

  private HostWriteback() {
  }

  /**
   * {@code vm.*} name → value, and {@code background_writeback_starts_mb}: the dirty memory at which the
   * kernel starts writing back (the bytes setting, else the ratio of available memory). Empty where
   * /proc is not readable (not Linux).
   */
  public static JsonObject settings() {
    JsonObject settings = new JsonObject();
    try {
      for (String name : SETTINGS) {
        // /proc reports a size of 0: Files.readString stops after its first byte there, a line reader does not.
        settings.put("vm." + name, Long.parseLong(Files.readAllLines(VM.resolve(name)).get(0).trim()));
      }
      long bytes = settings.getLong("vm.dirty_background_bytes");
      long threshold = bytes > 0 ? bytes : availableBytes() / 100 * settings.getLong("vm.dirty_background_ratio");
      return settings.put("background_writeback_starts_mb", threshold / 1_048_576);
    } catch (IOException | RuntimeException e) {
      return new JsonObject();
    }
  }

  /** A one-line warning when background writeback starts late enough to come in bursts, else null. */
  public static String warning(JsonObject settings) {
    long thresholdMb = settings.getLong("background_writeback_starts_mb", 0L);
    if (thresholdMb <= BURSTY_MB) {
      return null;
    }
    return "this host starts writing dirty pages back at " + thresholdMb + " MB, so PostgreSQL's table growth"
      + " leaves in bursts every ~" + settings.getLong("vm.dirty_expire_centisecs") / 100 + " s that stall"
      + " commits (latency spikes under load); a database host sets vm.dirty_background_bytes=16777216"
      + " (README.md, Configuration)";
  }

  private static long availableBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemAvailable:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
      }
    }
    throw new IOException("no MemAvailable in /proc/meminfo");
  }
}
