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
  private static final String[] ROLES = {"gateway", "postgres", "harness", "machine", "steal"};
  private final long gatewayPid;
  private final long[] start;
  private final long startNanos = System.nanoTime();
  private long[] last;
  private long lastNanos = startNanos;

  CpuMeter(long gatewayPid) {
    this.gatewayPid = gatewayPid;
    this.start = sample();
    this.last = start;
  }

  /** For the baselines: their forwarder runs inside this harness JVM, so its CPU is counted as the harness's. */
  static CpuMeter withoutGateway() {
    return new CpuMeter(-1);
  }

  /** Cores busy per role since the previous call (or construction): one point of the timeline. */
  JsonObject interval() {
    long[] now = sample();
    long nanos = System.nanoTime();
    JsonObject cores = cores(last, now, (nanos - lastNanos) / 1e9);
    last = now;
    lastNanos = nanos;
    return cores;
  }

  private static JsonObject cores(long[] from, long[] to, double seconds) {
    JsonObject cores = new JsonObject();
    for (int i = 0; i < ROLES.length; i++) {
      cores.put(ROLES[i], Math.round((to[i] - from[i]) / TICKS_PER_SECOND / seconds * 100) / 100.0);
    }
    return cores;
  }

  /** Core-seconds per role since construction, and the CPU cost per delivered event. */
  JsonObject report(long deliveries) {
    long[] end = sample();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    JsonObject perDelivery = new JsonObject();
    for (int i = 0; i < ROLES.length && deliveries > 0; i++) {
      perDelivery.put(ROLES[i], Math.round((end[i] - start[i]) / TICKS_PER_SECOND * 1e6 / deliveries));
    }
    return new JsonObject().put("cores_busy", cores(start, end, seconds)).put("cpu_us_per_delivery", perDelivery);
  }

  private long[] sample() {
    long[] machine = machineTicks();
    return new long[] {processTicks(gatewayPid), postgresTicks(), processTicks(ProcessHandle.current().pid()), machine[0],
      machine[1]};
  }

  /**
   * Every live PostgreSQL process, plus what the postmaster has collected from children that exited (an
   * autovacuum worker or a backend that ends mid-window would otherwise take its CPU time with it).
   */
  private static long postgresTicks() {
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
        .filter(p -> "postgres".equals(read(p.resolve("comm")).trim()))
        .mapToLong(p -> {
          String[] fields = statFields(Long.parseLong(p.getFileName().toString()));
          boolean postmaster = fields.length > 1 && !"postgres".equals(read(Path.of("/proc", fields[1], "comm")).trim());
          return ticks(fields, 11) + (postmaster ? ticks(fields, 13) : 0);
        })
        .sum();
    } catch (IOException e) {
      return 0;
    }
  }

  /** utime + stime of a process, from /proc/PID/stat (fields 14 and 15, after the command in parentheses). */
  private static long processTicks(long pid) {
    return ticks(statFields(pid), 11);
  }

  /** Two adjacent tick fields summed: utime + stime at 11, cutime + cstime (exited children) at 13. */
  private static long ticks(String[] fields, int at) {
    return fields.length > at + 1 ? Long.parseLong(fields[at]) + Long.parseLong(fields[at + 1]) : 0;
  }

  /** /proc/PID/stat from field 3 on (index 1 is the parent's pid, 11-14 utime, stime, cutime, cstime). */
  private static String[] statFields(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    return stat.isEmpty() ? new String[0] : stat.substring(stat.lastIndexOf(')') + 2).split(" ");
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
