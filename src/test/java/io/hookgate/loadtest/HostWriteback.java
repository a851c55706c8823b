package io.hookgate.loadtest;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host's dirty-page writeback settings, recorded in every report because they shape the latency tail.
 * PostgreSQL grows its tables by writing zero-filled pages, which stay dirty in the page cache (no
 * {@code *_flush_after} setting covers them); with the kernel's defaults the flusher writes them out only
 * once they are 30 s old, so at 2,000 events/s ~150 MB leave in one burst every ~30 s and every commit's
 * {@code fdatasync} waits behind it (loadtest/README.md, "Host"). A database host lowers
 * {@code vm.dirty_background_bytes} so writeback runs continuously; the harness reads, never writes, them.
 */
final class HostWriteback {
  private static final Path VM = Path.of("/proc/sys/vm");
  private static final String[] SETTINGS = {
    "dirty_background_bytes", "dirty_background_ratio", "dirty_expire_centisecs", "dirty_writeback_centisecs"};
  /** Above this much dirty memory before background writeback starts, the bursts are large enough to see. */
  private static final long BURSTY_BYTES = 64L * 1024 * 1024;

  private HostWriteback() {
  }

  /**
   * {@code vm.*} name → value, and {@code background_writeback_starts_mb}: the dirty memory at which the
   * kernel starts writing back (the bytes setting, else the ratio of available memory). Empty where
   * /proc is not readable (not Linux).
   */
  static JsonObject settings() {
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
  static String warning(JsonObject settings) {
    long thresholdMb = settings.getLong("background_writeback_starts_mb", 0L);
    if (thresholdMb * 1_048_576 <= BURSTY_BYTES) {
      return null;
    }
    return "host: background writeback starts at " + thresholdMb + " MB of dirty pages, so PostgreSQL's table"
      + " growth leaves in bursts every ~" + settings.getLong("vm.dirty_expire_centisecs") / 100 + " s that stall"
      + " commits (latency spikes); a database host sets e.g. vm.dirty_background_bytes=16777216"
      + " (loadtest/README.md, \"Host\")";
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
