package io.hookgate.loadtest;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where the machine's CPU went during a measured window, read from /proc: the gateway JVM, the
 * PostgreSQL processes, this harness (generator + sinks), the machine as a whole, and steal. On a shared
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
    String[] roles = {"gateway", "postgres", "harness", "machine", "steal"};
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
    long[] machine = machineTicks();
    return new long[] {processTicks(gatewayPid), postgresTicks(), processTicks(ProcessHandle.current().pid()), machine[0],
      machine[1]};
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

  /**
   * Ticks of all cores from /proc/stat: busy (user, nice, system, irq, softirq) and steal, the time a
   * virtual machine was ready to run but its host ran someone else (a noisy neighbour shows up there).
   */
  private static long[] machineTicks() {
    String[] cpu = read(Path.of("/proc/stat")).lines().findFirst().orElse("cpu 0 0 0 0 0 0 0 0").trim().split("\\s+");
    long[] ticks = new long[9];
    for (int i = 1; i < cpu.length && i <= 8; i++) {
      ticks[i] = Long.parseLong(cpu[i]);
    }
    return new long[] {ticks[1] + ticks[2] + ticks[3] + ticks[6] + ticks[7], ticks[8]};
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
