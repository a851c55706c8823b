package io.hookgate.loadtest;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where the machine's CPU went during a measured window, read from /proc: the gateway JVM, the
 * PostgreSQL processes, this harness (generator + sinks) and the machine as a whole. On a shared
 * 2-core machine a throughput number means little without knowing which process had the cores.
 */
final class CpuMeter {
  private static final double TICKS_PER_SECOND = 100.0;
  private final long gatewayPid;
  private final long[] start;
  private final long startNanos = System.nanoTime();

  CpuMeter(long gatewayPid) {
    this.gatewayPid = gatewayPid;
    this.start = sample();
  }

  /** Core-seconds per role since construction, and the CPU cost per delivered event. */
  JsonObject report(long deliveries) {
    long[] end = sample();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    String[] roles = {"gateway", "postgres", "harness", "machine"};
    JsonObject cores = new JsonObject();
    JsonObject perDelivery = new JsonObject();
    for (int i = 0; i < roles.length; i++) {
      double coreSeconds = (end[i] - start[i]) / TICKS_PER_SECOND;
      cores.put(roles[i], Math.round(coreSeconds / seconds * 100) / 100.0);
      if (deliveries > 0) {
        perDelivery.put(roles[i], Math.round(coreSeconds * 1e6 / deliveries));
      }
    }
    return new JsonObject().put("cores_busy", cores).put("cpu_us_per_delivery", perDelivery);
  }

  private long[] sample() {
    return new long[] {processTicks(gatewayPid), postgresTicks(), processTicks(ProcessHandle.current().pid()), machineTicks()};
  }

  private static long postgresTicks() {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
        .filter(p -> "postgres".equals(read(p.resolve("comm")).trim()))
        .mapToLong(p -> processTicks(Long.parseLong(p.getFileName().toString())))
        .sum();
    } catch (IOException e) {
      return 0;
    }
  }

  /** utime + stime of a process, from /proc/PID/stat (fields 14 and 15, after the command in parentheses). */
  private static long processTicks(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    if (stat.isEmpty()) {
      return 0;
    }
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** Busy ticks of all cores from /proc/stat: everything but idle and iowait. */
  private static long machineTicks() {
    String[] cpu = read(Path.of("/proc/stat")).lines().findFirst().orElse("cpu 0 0 0 0 0").trim().split("\\s+");
    long busy = 0;
    for (int i = 1; i < cpu.length && i <= 8; i++) {
      if (i != 4 && i != 5) {
        busy += Long.parseLong(cpu[i]);
      }
    }
    return busy;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
