package io.hookgate.loadtest;

import io.hookgate.config.ConfigSource;
import io.hookgate.config.HookgateConfig;
import io.hookgate.db.HostWriteback;
import io.hookgate.support.NodeProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The load test: one command starts the gateway (its own JVM, -Xmx512m, embedded PostgreSQL with
 * fsync and synchronous_commit on), verifying sinks and a generator, all on loopback; runs the chosen
 * scenarios and the two baselines; prints a report and writes it as JSON plus a PNG chart per scenario.
 * Every run is bounded in count and time and stops by itself.
 *
 * <pre>loadtest/run.sh [--scenarios=a,b] [--duration=60] [--warmup=60] [--event-bytes=1024] [--out=DIR]</pre>
 */
public final class LoadTest {
  private static final String ADMIN_KEY = "loadtest-admin-key-0123456789";
  /** throughput-f&lt;N&gt;: the closed-loop scenario at fan-out N. */
  private static final Pattern THROUGHPUT = Pattern.compile("throughput-f([1-9][0-9]{0,2})");
  private static final long SETTLE_MAX_S = 120;
  /** Seconds an open-loop scenario runs at its own rate after the closed-loop warm-up, before its window. */
  private static final long PACED_WARMUP_S = 30;
  /** For sizing the id sets of a closed loop (Sink#start): more than this machine's gateway has reached. */
  private static final long CLOSED_LOOP_EVENTS_PER_S = 10_000;
  private static final long MAX_PRESIZED_EVENTS = 4_000_000;
  private static final Pattern LATENCY = Pattern.compile("latency-([1-9][0-9]{0,5})");

  /** What a run is asked to do. */
  record Options(List<String> scenarios, int durationS, int warmupS, int eventBytes, int connections, int outageS,
                 Path out, List<String> gatewayJvm, int batch, String database, int deadRate,
                 long sinkSlowMs, double sinkFailRate, Map<String, String> gatewayConfig, String dialect, int soakRate,
                 int historyDays, int historyPerDay) {
    static Options parse(String[] args) {
      Map<String, String> a = new LinkedHashMap<>();
      for (String arg : args) {
        if (!arg.startsWith("--") || !arg.contains("=")) {
          throw new IllegalArgumentException("arguments are --name=value, got " + arg);
        }
        a.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
      }
      return new Options(
        List.of(a.getOrDefault("scenarios", "baselines,throughput-f1,throughput-f10,latency-2000,dead-endpoint,outage,restart")
          .split(",")),
        Integer.parseInt(a.getOrDefault("duration", "60")),
        Integer.parseInt(a.getOrDefault("warmup", "60")),
        Integer.parseInt(a.getOrDefault("event-bytes", "1024")),
        // Closed-loop concurrency: enough to keep both cores busy in every closed-loop run. At 64 neither the
        // gateway (1.57-1.70 cores busy) nor the three baselines (1.08-1.71) filled the machine.
        Integer.parseInt(a.getOrDefault("connections", "256")),
        Integer.parseInt(a.getOrDefault("outage", "300")),
        Path.of(a.getOrDefault("out", "loadtest/results/" + Instant.now().toString().replace(':', '-'))),
        List.of(("-Xmx512m " + a.getOrDefault("gateway-jvm", "")).trim().split("\\s+")),
        Integer.parseInt(a.getOrDefault("batch", "1")),
        a.getOrDefault("database", ""),
        // Events/s in the dead-endpoint pair (x10 healthy deliveries): below capacity, so that what the
        // hung endpoint costs the healthy ones is measured rather than an overload the reference shares.
        Integer.parseInt(a.getOrDefault("dead-rate", "300")),
        // Healthy sinks can answer late or fail a fraction of requests (503, retried by the gateway).
        Long.parseLong(a.getOrDefault("sink-slow-ms", "0")),
        Double.parseDouble(a.getOrDefault("sink-fail-rate", "0")),
        // Gateway settings over conf/hookgate.yaml: --gateway-config=delivery.max-in-flight=8000,http.instances=1
        settings(a.getOrDefault("gateway-config", "")),
        // The signature scheme the sinks' subscriptions use, with its platform's payload format:
        // standard (Standard Webhooks over the stored envelope), or a templated dialect (Sink.DIALECTS).
        Sink.dialect(a.getOrDefault("dialect", "standard")),
        // Events/s of the soak: steady, well below capacity, for as long as --duration (15 minutes or more).
        Integer.parseInt(a.getOrDefault("soak-rate", "500")),
        // The history queries: days of synthetic history, and events (each one delivery, one attempt) a day.
        Integer.parseInt(a.getOrDefault("history-days", "30")),
        Integer.parseInt(a.getOrDefault("history-per-day", "50000")));
    }

    private static Map<String, String> settings(String list) {
      Map<String, String> settings = new LinkedHashMap<>();
      for (String setting : list.split(",")) {
        if (!setting.isBlank()) {
          if (!setting.contains("=")) {
            throw new IllegalArgumentException("--gateway-config takes key.path=value pairs, got " + setting);
          }
          settings.put(setting.substring(0, setting.indexOf('=')).trim(), setting.substring(setting.indexOf('=') + 1).trim());
        }
      }
      return settings;
    }
  }

  /**
   * A scenario: open loop at {@code rate} (0 = closed loop), {@code fanout} healthy sinks, {@code dead} hung ones;
   * a soak runs with one-minute partitions and a few minutes' retention, and samples the database's size.
   */
  record Scenario(String name, int rate, int fanout, int dead, int outageS, boolean restart, boolean soak) {
    Scenario(String name, int rate, int fanout, int dead, int outageS, boolean restart) {
      this(name, rate, fanout, dead, outageS, restart, false);
    }
  }

  private final Options options;
  // Native epoll like the gateway: the baselines run on this Vert.x too, and on NIO they were handicapped.
  private final Vertx vertx = Vertx.vertx(new io.vertx.core.VertxOptions().setPreferNativeTransport(true));
  private final WebClient web = WebClient.create(vertx);
  private final JsonObject report = new JsonObject();

  LoadTest(Options options) {
    this.options = options;
  }

  public static void main(String[] args) {
    try {
      JsonObject report = new LoadTest(Options.parse(args)).run();
      System.out.println(report.encodePrettily());
      System.exit(0);
    } catch (Exception e) {
      // Vert.x threads would keep the JVM alive: a failed run must still end by itself.
      e.printStackTrace();
      System.exit(1);
    }
  }

  JsonObject run() throws Exception {
    Files.createDirectories(options.out());
    report.put("started_at", Instant.now().toString()).put("cores", Runtime.getRuntime().availableProcessors())
      .put("harness_native_transport", vertx.isNativeTransportEnabled())
      .put("event_bytes", options.eventBytes()).put("duration_s", options.durationS()).put("dialect", options.dialect())
      .put("harness_max_heap_mb", Runtime.getRuntime().maxMemory() / 1_048_576);
    JsonObject host = HostWriteback.settings();
    report.put("host_writeback", host);
    String warning = HostWriteback.warning(host);
    if (warning != null) {
      System.out.println(warning);
    }
    JsonObject scenarios = new JsonObject();
    report.put("scenarios", scenarios);
    for (String name : options.scenarios()) {
      switch (name.trim()) {
        // Listed again after the scenarios (baselines,throughput-f1,baselines), the baselines are measured again
        // and the ratios use the mean of both: this VM's speed drifts by a quarter within minutes.
        case "baselines" -> report.put(report.containsKey("baselines") ? "baselines_after" : "baselines", baselines());
        case "throughput-f1" -> scenarios.put(name, scenario(new Scenario(name, 0, 1, 0, 0, false)));
        case "throughput-f10" -> scenarios.put(name, scenario(new Scenario(name, 0, 10, 0, 0, false)));
        case "dead-endpoint" -> {
          scenarios.put(name + "-reference", scenario(new Scenario(name + "-reference", options.deadRate(), 10, 0, 0, false)));
          scenarios.put(name, scenario(new Scenario(name, options.deadRate(), 10, 1, 0, false)));
        }
        case "outage" -> scenarios.put(name, scenario(new Scenario(name, 1000, 1, 0, options.outageS(), false)));
        case "restart" -> scenarios.put(name, scenario(new Scenario(name, 1000, 1, 0, 0, true)));
        case "smoke" -> scenarios.put(name, scenario(new Scenario(name, 200, 2, 0, 0, false)));
        case "soak" -> scenarios.put(name, scenario(new Scenario(name, options.soakRate(), 1, 0, 0, false, true)));
        case "history" -> report.put("history", new HistoryQueries(vertx, options.historyDays(), options.historyPerDay()).run());
        default -> {
          // throughput-f<N>: closed loop at any fan-out (N subscriptions to the event type);
          // latency-<R>: open loop at R events/s, fan-out 1.
          Matcher fanout = THROUGHPUT.matcher(name.trim());
          Matcher rate = LATENCY.matcher(name.trim());
          if (fanout.matches()) {
            scenarios.put(name, scenario(new Scenario(name, 0, Integer.parseInt(fanout.group(1)), 0, 0, false)));
          } else if (rate.matches()) {
            scenarios.put(name, scenario(new Scenario(name, Integer.parseInt(rate.group(1)), 1, 0, 0, false)));
          } else {
            throw new IllegalArgumentException("unknown scenario " + name);
          }
        }
      }
    }
    ratios();
    Files.writeString(options.out().resolve("report.json"), report.encodePrettily());
    vertx.close();
    return report;
  }

  // ---------------------------------------------------------------- baselines

  private JsonObject baselines() throws Exception {
    JsonObject result = new JsonObject();
    // One server instance per event loop of this Vert.x, like the gateway's API verticles.
    int instances = 2 * Runtime.getRuntime().availableProcessors();
    Baselines.Server sink = await(Baselines.sink(vertx, instances));
    String sinkUrl = "http://127.0.0.1:" + sink.port() + "/sink";
    Baselines.Server bare = await(Baselines.forwarder(vertx, sinkUrl, null, Baselines.Durability.NONE, instances));
    result.put("bare_forwarder", closedLoopRate(bare.port(), "bare", () -> { }));
    await(bare.close(vertx));
    result.put("naive_durable_forwarder", durableBaseline(sinkUrl, Baselines.Durability.PER_REQUEST, instances, "naive"));
    result.put("group_commit_forwarder", durableBaseline(sinkUrl, Baselines.Durability.GROUP_COMMIT, instances, "group"));
    await(sink.close(vertx));
    return result;
  }

  /** A durable forwarder against its own fresh embedded PostgreSQL, fsync and synchronous commit on. */
  private JsonObject durableBaseline(String sinkUrl, Baselines.Durability durability, int instances, String prefix)
    throws Exception {
    Path pgDir = Files.createTempDirectory("hookgate-loadtest-" + prefix);
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(pgDir).setCleanDataDirectory(true)
      .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on").start()) {
      Baselines.Server forwarder = await(Baselines.forwarder(vertx, sinkUrl, new PgConnectOptions().setHost("localhost")
        .setPort(pg.getPort()).setDatabase("postgres").setUser("postgres"), durability, instances));
      // Checkpointed after its warm-up, as the gateway's database is.
      JsonObject rate = closedLoopRate(forwarder.port(), prefix, () -> checkpoint("localhost", pg.getPort()));
      await(forwarder.close(vertx));
      return rate;
    } finally {
      deleteRecursively(pgDir);
    }
  }

  private JsonObject closedLoopRate(int port, String prefix, Runnable afterWarmUp) throws InterruptedException {
    Generator warm = new Generator(vertx, port, "/", "none", options.eventBytes(), options.connections(), prefix + "-w");
    warm.closedLoop(options.connections(), options.warmupS() * 1000L);
    waitUntil(() -> !warm.running(), options.warmupS() * 1000L + 30_000);
    warm.close();
    afterWarmUp.run();
    Generator g = new Generator(vertx, port, "/", "none", options.eventBytes(), options.connections(), prefix);
    CpuMeter cpu = CpuMeter.withoutGateway();
    long start = System.nanoTime();
    g.closedLoop(options.connections(), options.durationS() * 1000L);
    waitUntil(() -> !g.running(), options.durationS() * 1000L + 30_000);
    double seconds = (System.nanoTime() - start) / 1e9;
    g.close();
    Histogram h = g.ackLatency.getIntervalHistogram();
    // The forwarder runs in this JVM: "harness" is generator, forwarder and sink together.
    return new JsonObject().put("requests_per_s", Math.round(g.acked.get() / seconds)).put("errors", g.errors.get())
      .put("p99_ms", h.getValueAtPercentile(99)).put("cpu", cpu.report(g.acked.get()));
  }

  // ---------------------------------------------------------------- gateway scenarios

  private JsonObject scenario(Scenario s) throws Exception {
    System.out.println("== " + s.name());
    Path data = Files.createTempDirectory("hookgate-loadtest-" + s.name());
    int port = Baselines.freePort();
    JsonObject tree = gatewayConfig(data, port);
    if (s.soak()) {
      // History kept three minutes in one-minute partitions: the database reaches its plateau within the window.
      tree.getJsonObject("retention").put("partition-interval", "1m").put("partitions-ahead", 2).put("history", "3m")
        .put("check-interval", "15s");
    }
    if (options.database().isEmpty()) {
      // A known port, for the checkpoint after the warm-up.
      tree.getJsonObject("database").getJsonObject("embedded").put("port", Baselines.freePort());
    }
    NodeProcess gateway = NodeProcess.start(tree, options.gatewayJvm().toArray(String[]::new)).awaitRunning(120_000);
    List<Sink> sinks = new ArrayList<>();
    List<Sink> dead = new ArrayList<>();
    long settleS = 0;
    HeapWatch heapWatch = new HeapWatch(web, port);
    try {
      String token = partnerToken(port);
      for (int i = 0; i < s.fanout() + s.dead(); i++) {
        Sink sink = await(Sink.start(vertx, expectedEvents(0, options.warmupS())
          + expectedEvents(s.rate(), PACED_WARMUP_S + options.durationS() + s.outageS())));
        String secret = subscribe(port, token, sink.url());
        sink.secret(options.dialect(), secret);
        (i < s.fanout() ? sinks : dead).add(sink);
      }
      if (options.sinkSlowMs() > 0) {
        sinks.forEach(k -> k.mode(Sink.Mode.SLOW, options.sinkSlowMs(), 0));
      } else if (options.sinkFailRate() > 0) {
        sinks.forEach(k -> k.mode(Sink.Mode.FLAKY, 0, options.sinkFailRate()));
      }

      Generator paced = null;
      if (options.warmupS() > 0) {
        List<Sink> receivers = new ArrayList<>(sinks);
        receivers.addAll(dead);
        // Closed loop at full concurrency: the JIT compiles the hot paths (on 2 shared cores C2 needs tens of
        // seconds), then the backlog drains before the measured window starts.
        long warmupMs = options.warmupS() * 1000L;
        Generator warm = generator(port, s.name() + "-warm", 1, expectedEvents(0, options.warmupS()));
        warmUp(warm, () -> warm.closedLoop(options.connections(), warmupMs), warmupMs, receivers);
        warm.close();
        checkpoint(tree.getJsonObject("database"));
        settleS = settle(gateway.pid());
        if (s.rate() > 0) {
          // Then a while at the window's own rate. Load at full concurrency takes other branches than load at a
          // steady rate (overload deferral, waiting for slots, big batches), so both JVMs deoptimised and
          // recompiled for the first ~15 s of an open-loop window: 59 % of the gateway's CPU was C2 then.
          long pacedMs = Math.min(PACED_WARMUP_S, options.warmupS()) * 1000L;
          Generator pacing = generator(port, s.name() + "-paced", 1, expectedEvents(s.rate(), PACED_WARMUP_S));
          warmUp(pacing, () -> pacing.openLoop(s.rate(), pacedMs, 20_000), pacedMs, receivers);
          paced = pacing;
        }
        sinks.forEach(k -> k.latency.reset());
      }
      // A dead endpoint dies when the window opens (it was healthy through the warm-up, whose backlog
      // would otherwise still be draining into the measurement).
      dead.forEach(d -> d.mode(Sink.Mode.DEAD, 0, 0));
      boolean latency = LATENCY.matcher(s.name()).matches();
      if (latency) {
        sinks.forEach(Sink::keepReceipts);
      }

      // This JVM's collection cycle before the window rather than in it: its heap (loadtest/run.sh) outlasts a
      // window at the latency scenarios' allocation rate when it starts empty. A cycle took 0.5–0.8 of a core
      // for a second or two, away from the gateway.
      System.gc();
      // The window goes on over the paced phase's connections (a fresh client opened them during the window).
      int expected = expectedEvents(s.rate(), options.durationS() + s.outageS());
      Generator g = paced != null ? paced.handOver(s.name(), options.batch(), expected)
        : generator(port, s.name(), options.batch(), expected);
      long[] receivedAtStart = sinks.stream().mapToLong(k -> k.received.get()).toArray();
      CpuMeter cpu = new CpuMeter(gateway.pid());
      DatabaseSize size = s.soak() ? new DatabaseSize(vertx, tree.getJsonObject("database")) : null;
      List<JsonObject> timeline = new ArrayList<>();
      long start = System.currentTimeMillis();
      // A marker for tools that attach to the gateway for the window only (a profiler, a sampler).
      System.out.println(s.name() + ": window opens (" + options.durationS() + " s)");
      long duration = options.durationS() * 1000L;
      long outageMs = s.outageS() * 1000L;
      if (s.rate() > 0) {
        g.openLoop(s.rate(), duration + outageMs, 20_000);
      } else {
        g.closedLoop(options.connections(), duration);
      }
      if (s.outageS() > 0) {
        sinks.forEach(k -> k.mode(Sink.Mode.DEAD, 0, 0));
      }
      Histogram e2e = new Histogram(3);
      long heapPeak = 0;
      long lastAcked = 0;
      long lastDelivered = java.util.Arrays.stream(receivedAtStart).sum();
      boolean restarted = false;
      boolean recovered = s.outageS() == 0;
      long recoveredAt = 0;
      while (g.running() || !allDelivered(sinks, g)) {
        Thread.sleep(1000);
        long t = System.currentTimeMillis() - start;
        if (!recovered && t >= outageMs) {
          sinks.forEach(k -> k.mode(Sink.Mode.OK, 0, 0));
          recovered = true;
          recoveredAt = t;
        }
        if (s.restart() && !restarted && t >= duration / 2) {
          gateway.terminate();
          gateway = NodeProcess.start(tree, options.gatewayJvm().toArray(String[]::new)).awaitRunning(120_000);
          restarted = true;
        }
        Histogram interval = new Histogram(3);
        sinks.forEach(k -> interval.add(k.latency.getIntervalHistogram()));
        e2e.add(interval);
        long heap = heapWatch.latest();
        heapPeak = Math.max(heapPeak, heap);
        long delivered = sinks.stream().mapToLong(k -> k.received.get()).sum();
        timeline.add(new JsonObject().put("t_s", t / 1000.0)
          .put("acked_per_s", g.acked.get() - lastAcked)
          .put("delivered_per_s", delivered - lastDelivered)
          .put("p99_ms", interval.getTotalCount() == 0 ? null : interval.getValueAtPercentile(99))
          .put("heap_mb", heap / 1_048_576)
          .put("cores", cpu.interval()));
        if (size != null && timeline.size() % 5 == 1) {
          timeline.get(timeline.size() - 1).put("db_bytes", size.bytes());
        }
        lastAcked = g.acked.get();
        lastDelivered = delivered;
        if (t > duration + outageMs + 240_000) {
          break;
        }
      }
      g.close();
      if (size != null) {
        size.close();
      }
      long deliveredNow = sinks.stream().mapToLong(k -> k.received.get()).sum() - java.util.Arrays.stream(receivedAtStart).sum();
      JsonObject cpuUse = restarted ? null : cpu.report(deliveredNow);
      JsonObject result = summarize(s, g, sinks, dead, receivedAtStart, timeline, e2e, heapPeak, duration, recoveredAt, cpuUse)
        .put("settle_s", settleS).put("window_started_at", Instant.ofEpochMilli(start).toString());
      if (latency) {
        // The last results reach the gateway's tables a moment after the sinks have every event.
        Thread.sleep(2000);
        List<Sink.Receipt> receipts = sinks.stream().flatMap(k -> k.receipts.stream()).toList();
        JsonObject tail = TailBreakdown.of(web, port, ADMIN_KEY, receipts, g.timings);
        System.out.println(s.name() + " tail: " + tail.encode());
        result.put("tail", tail);
      }
      return result;
    } finally {
      heapWatch.close();
      gateway.terminate();
      deleteRecursively(data);
      for (Sink sink : sinks) {
        await(sink.close());
      }
      for (Sink sink : dead) {
        await(sink.close());
      }
    }
  }

  private Generator generator(int port, String prefix, int batch, int expectedEvents) {
    return new Generator(vertx, port, "/api/v1/events", "Bearer " + ADMIN_KEY, options.eventBytes(),
      options.connections(), prefix, batch, expectedEvents);
  }

  /** About how many events {@code seconds} at {@code rate} send (0: a closed loop, at what it does here). */
  private static int expectedEvents(int rate, long seconds) {
    long perSecond = rate > 0 ? rate : CLOSED_LOOP_EVENTS_PER_S;
    return (int) Math.min(MAX_PRESIZED_EVENTS, perSecond * seconds);
  }

  /** Runs a warm-up load until it ends by itself, then waits until every receiver has been sent all it acked. */
  private static void warmUp(Generator warm, Runnable load, long loadMs, List<Sink> receivers)
    throws InterruptedException {
    long[] before = receivers.stream().mapToLong(k -> k.received.get()).toArray();
    load.run();
    waitUntil(() -> !warm.running(), loadMs + 30_000);
    waitUntil(() -> IntStream.range(0, receivers.size())
      .allMatch(i -> receivers.get(i).received.get() - before[i] >= warm.acked.get()), 300_000);
  }

  /**
   * After the warm-up's backlog is delivered, PostgreSQL is still vacuuming and checkpointing a minute of
   * full-speed writes, and the JVMs are collecting its garbage: a window opened then measures that tail
   * (p99 of seconds at 2,000 events/s). Waits, at most {@link #SETTLE_MAX_S} seconds, until the gateway and
   * PostgreSQL together use under a fifth of a core for three seconds in a row; returns the seconds waited.
   */
  private static long settle(long gatewayPid) throws InterruptedException {
    long start = System.currentTimeMillis();
    CpuMeter cpu = new CpuMeter(gatewayPid);
    int quiet = 0;
    while (quiet < 3 && System.currentTimeMillis() - start < SETTLE_MAX_S * 1000L) {
      Thread.sleep(1000);
      JsonObject cores = cpu.interval();
      quiet = cores.getDouble("gateway") + cores.getDouble("postgres") < 0.2 ? quiet + 1 : 0;
    }
    return (System.currentTimeMillis() - start) / 1000;
  }

  /**
   * Brings a database that has only seen the warm-up to the state of one that has run a while. One that
   * has never checkpointed has no old WAL segments to recycle: it makes every new one by writing 16 MB of
   * zeros, holding up every commit meanwhile — every ~3 s at 2,000 events/s here, until its first
   * checkpoint after about 1 GB of WAL. And autovacuum's first pass over the warm-up's rows (30 s of
   * `VACUUM ANALYZE` on events, deliveries and attempts) otherwise lands in the window's first seconds when
   * the settle step ends early. So: VACUUM ANALYZE, then CHECKPOINT.
   */
  private void checkpoint(JsonObject database) {
    boolean embedded = !database.getString("mode", "embedded").equals("external");
    checkpoint(embedded ? "localhost" : database.getString("host"),
      embedded ? database.getJsonObject("embedded").getInteger("port") : database.getInteger("port"));
  }

  private void checkpoint(String host, int port) {
    PgConnectOptions connect = new PgConnectOptions().setHost(host).setPort(port).setDatabase("postgres").setUser("postgres");
    // Ten minutes, not a minute: after a fan-out-10 warm-up the vacuum has millions of rows to visit.
    await(io.vertx.pgclient.PgConnection.connect(vertx, connect)
      .compose(conn -> conn.query("VACUUM ANALYZE").execute()
        .compose(v -> conn.query("CHECKPOINT").execute())
        .eventually(conn::close)), 600);
  }

  private static boolean allDelivered(List<Sink> sinks, Generator g) {
    return sinks.stream().allMatch(k -> k.seen.containsAll(g.ackedIds));
  }

  private JsonObject summarize(Scenario s, Generator g, List<Sink> sinks, List<Sink> dead, long[] receivedAtStart,
                               List<JsonObject> timeline, Histogram e2e, long heapPeak, long durationMs, long recoveredAt,
                               JsonObject cpu)
    throws IOException {
    JsonArray lost = new JsonArray();
    for (Sink sink : sinks) {
      for (String id : g.ackedIds) {
        if (!sink.seen.contains(id) && lost.size() < 100) {
          lost.add(id);
        }
      }
    }
    long lostCount = sinks.stream().mapToLong(k -> g.ackedIds.stream().filter(id -> !k.seen.contains(id)).count()).sum();
    // Sustained rate: the measured window only (first `duration` seconds of the timeline).
    double windowS = durationMs / 1000.0;
    long deliveredInWindow = timeline.stream().filter(p -> p.getDouble("t_s") <= windowS + 0.5)
      .mapToLong(p -> p.getLong("delivered_per_s")).sum();
    long ackedInWindow = timeline.stream().filter(p -> p.getDouble("t_s") <= windowS + 0.5)
      .mapToLong(p -> p.getLong("acked_per_s")).sum();
    Histogram ack = g.ackLatency.getIntervalHistogram();
    JsonObject r = new JsonObject()
      .put("mode", (s.rate() > 0 ? "open-loop " + s.rate() + "/s" : "closed-loop " + options.connections())
        + (options.batch() > 1 ? ", " + options.batch() + " events per request" : ""))
      .put("fanout", s.fanout())
      .put("dead_endpoints", s.dead())
      .put("sent", g.sent.get())
      .put("acked", g.acked.get())
      .put("ingest_errors", g.errors.get())
      .put("generator_skipped", g.skipped.get())
      .put("lost", lostCount)
      .put("lost_ids", lost)
      .put("duplicates", sinks.stream().mapToLong(k -> k.duplicates.get()).sum())
      .put("bad_signatures", sinks.stream().mapToLong(k -> k.badSignatures.get()).sum())
      .put("events_acked_per_s", Math.round(ackedInWindow / windowS))
      .put("deliveries_per_s", Math.round(deliveredInWindow / windowS))
      .put("events_delivered_per_s", Math.round(deliveredInWindow / windowS / s.fanout()))
      .put("ingest_p99_ms", ack.getValueAtPercentile(99))
      .put("e2e_p50_ms", e2e.getValueAtPercentile(50))
      .put("e2e_p99_ms", e2e.getValueAtPercentile(99))
      .put("e2e_p999_ms", e2e.getValueAtPercentile(99.9))
      .put("e2e_max_ms", e2e.getMaxValue())
      .put("heap_peak_mb", heapPeak / 1_048_576)
      .put("cpu", cpu)
      .put("timeline", new JsonArray(timeline));
    if (s.soak()) {
      r.put("soak", Soak.summary(timeline, durationMs));
    }
    if (s.outageS() > 0) {
      long peakDrain = timeline.stream().filter(p -> p.getDouble("t_s") * 1000 >= recoveredAt)
        .mapToLong(p -> p.getLong("delivered_per_s")).max().orElse(0);
      r.put("outage_s", s.outageS()).put("drain_peak_deliveries_per_s", peakDrain);
    }
    chart(s.name(), timeline);
    System.out.println(s.name() + ": " + r.copy().put("timeline", timeline.size() + " points").encode());
    return r;
  }

  private void ratios() {
    JsonObject dead = report.getJsonObject("scenarios").getJsonObject("dead-endpoint");
    JsonObject reference = report.getJsonObject("scenarios").getJsonObject("dead-endpoint-reference");
    if (dead != null && reference != null) {
      report.put("dead_endpoint_vs_reference", new JsonObject()
        .put("healthy_throughput", Math.round(100.0 * dead.getLong("deliveries_per_s")
          / Math.max(1, reference.getLong("deliveries_per_s"))) / 100.0)
        .put("healthy_p99", Math.round(100.0 * dead.getLong("e2e_p99_ms")
          / Math.max(1, reference.getLong("e2e_p99_ms"))) / 100.0));
    }
    JsonObject b = report.getJsonObject("baselines");
    if (b == null) {
      return;
    }
    // Every closed-loop scenario against the baselines: events/s for fan-out 1, deliveries/s (one outbound
    // request each, as the forwarders make) for larger fan-outs. The same against CPU: the baseline's machine
    // CPU per request over the scenario's per delivery (2.0 = half the CPU per request), which a VM's steal
    // and the minutes between the runs move far less than they move throughput.
    JsonObject after = report.getJsonObject("baselines_after");
    Map<String, JsonObject> yardsticks = new LinkedHashMap<>();
    yardsticks.put("naive_durable", yardstick(b, after, "naive_durable_forwarder"));
    yardsticks.put("bare", yardstick(b, after, "bare_forwarder"));
    yardsticks.put("group_commit", yardstick(b, after, "group_commit_forwarder"));
    JsonObject ratios = new JsonObject();
    JsonObject cpuRatios = new JsonObject();
    JsonObject scenarios = report.getJsonObject("scenarios");
    for (String name : scenarios.fieldNames()) {
      Matcher fanout = THROUGHPUT.matcher(name);
      if (fanout.matches()) {
        JsonObject ours = scenarios.getJsonObject(name);
        double oursUs = machineUs(ours);
        yardsticks.forEach((key, theirs) -> {
          String ratio = "f" + fanout.group(1) + "_vs_" + key;
          ratios.put(ratio, Math.round(100.0 * ours.getLong("deliveries_per_s") / theirs.getLong("requests_per_s")) / 100.0);
          cpuRatios.put(ratio, Math.round(100.0 * machineUs(theirs) / Math.max(1, oursUs)) / 100.0);
        });
      }
    }
    report.put("ratios", ratios).put("cpu_ratios", cpuRatios);
  }

  /** A baseline as measured before the scenarios, or the mean of before and after when it ran twice. */
  private static JsonObject yardstick(JsonObject before, JsonObject after, String name) {
    JsonObject first = before.getJsonObject(name);
    if (after == null) {
      return first;
    }
    JsonObject second = after.getJsonObject(name);
    return new JsonObject()
      .put("requests_per_s", (first.getLong("requests_per_s") + second.getLong("requests_per_s")) / 2)
      .put("cpu", new JsonObject().put("cpu_us_per_delivery",
        new JsonObject().put("machine", (machineUs(first) + machineUs(second)) / 2)));
  }

  /** Machine CPU µs per delivery (per request for a baseline) in the measured window. */
  private static double machineUs(JsonObject measured) {
    return measured.getJsonObject("cpu").getJsonObject("cpu_us_per_delivery").getLong("machine", 0L);
  }

  private void chart(String name, List<JsonObject> timeline) throws IOException {
    double[] t = timeline.stream().mapToDouble(p -> p.getDouble("t_s")).toArray();
    if (t.length < 2) {
      return;
    }
    XYChart throughput = new XYChartBuilder().width(1000).height(400).title(name + ": throughput")
      .xAxisTitle("s").yAxisTitle("per second").build();
    throughput.addSeries("events acked", t, timeline.stream().mapToDouble(p -> p.getLong("acked_per_s")).toArray());
    throughput.addSeries("deliveries", t, timeline.stream().mapToDouble(p -> p.getLong("delivered_per_s")).toArray());
    BitmapEncoder.saveBitmap(throughput, options.out().resolve(name + "-throughput").toString(), BitmapEncoder.BitmapFormat.PNG);
    XYChart latency = new XYChartBuilder().width(1000).height(400).title(name + ": end-to-end p99")
      .xAxisTitle("s").yAxisTitle("ms").build();
    latency.addSeries("p99", t, timeline.stream().mapToDouble(p -> p.getValue("p99_ms") == null ? 0 : p.getLong("p99_ms")).toArray());
    BitmapEncoder.saveBitmap(latency, options.out().resolve(name + "-latency").toString(), BitmapEncoder.BitmapFormat.PNG);
    List<JsonObject> sized = timeline.stream().filter(p -> p.getValue("db_bytes") != null).toList();
    if (sized.size() >= 2) {
      XYChart db = new XYChartBuilder().width(1000).height(400).title(name + ": database size")
        .xAxisTitle("s").yAxisTitle("MB").build();
      db.addSeries("PostgreSQL", sized.stream().mapToDouble(p -> p.getDouble("t_s")).toArray(),
        sized.stream().mapToDouble(p -> p.getLong("db_bytes") / 1_048_576.0).toArray());
      BitmapEncoder.saveBitmap(db, options.out().resolve(name + "-database").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
  }

  // ---------------------------------------------------------------- gateway helpers

  private JsonObject gatewayConfig(Path data, int port) {
    JsonObject tree = ConfigSource.readYaml(HookgateConfig.DEFAULT_FILE);
    tree.put("admin-key", ADMIN_KEY).put("data-dir", data.toString());
    tree.getJsonObject("http").put("port", port).put("host", "127.0.0.1");
    tree.getJsonObject("api").put("partner-rate-limit-per-second", 100_000).put("partner-rate-limit-burst", 100_000);
    tree.getJsonObject("delivery").put("allowed-private-networks", new JsonArray().add("127.0.0.0/8"))
      .put("max-in-flight-per-endpoint", 256);
    options.gatewayConfig().forEach((path, value) -> {
      String[] keys = path.split("\\.");
      JsonObject parent = tree;
      for (int i = 0; i < keys.length - 1; i++) {
        parent = parent.getJsonObject(keys[i]);
        if (parent == null) {
          throw new IllegalArgumentException("--gateway-config: no section " + keys[i] + " in " + path);
        }
      }
      parent.put(keys[keys.length - 1], value.matches("-?[0-9]+") ? (Object) Long.parseLong(value)
        : value.equals("true") || value.equals("false") ? (Object) Boolean.parseBoolean(value) : value);
    });
    if (!options.database().isEmpty()) {
      // An external server (e.g. one started with pg_stat_statements to see where PostgreSQL's time goes).
      String[] hostPort = options.database().split(":");
      tree.getJsonObject("database").put("mode", "external").put("host", hostPort[0]).put("port", Integer.parseInt(hostPort[1]))
        .put("name", "postgres").put("user", "postgres").put("password", "");
      tree.getJsonObject("security").put("secret-encryption-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
    }
    return tree;
  }

  private String partnerToken(int port) {
    JsonObject app = await(web.post(port, "127.0.0.1", "/api/v1/applications").bearerTokenAuthentication(ADMIN_KEY)
      .sendJsonObject(new JsonObject().put("name", "loadtest"))).bodyAsJsonObject().getJsonObject("data");
    return await(web.post(port, "127.0.0.1", "/api/partner/v1/oauth/token").sendJsonObject(new JsonObject()
      .put("grant_type", "client_credentials").put("client_id", app.getString("client_id"))
      .put("client_secret", app.getString("client_secret")))).bodyAsJsonObject().getString("access_token");
  }

  private String subscribe(int port, String token, String url) {
    HttpResponse<Buffer> r = await(web.post(port, "127.0.0.1", "/api/partner/v1/webhooks").bearerTokenAuthentication(token)
      .sendJsonObject(new JsonObject().put("url", url).put("events", new JsonArray().add("order.created"))
        .put("signature_scheme", options.dialect())));
    return r.bodyAsJsonObject().getJsonObject("data").getString("secret_key");
  }

  /** A scenario's PostgreSQL data grows by hundreds of MB; it is of no use once the scenario is reported. */
  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void waitUntil(java.util.function.BooleanSupplier done, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
  }

  private static <T> T await(Future<T> future) {
    return await(future, 60);
  }

  /** The harness's main thread (and its helper threads) wait for Vert.x futures here, never an event loop. */
  static <T> T await(Future<T> future, long timeoutS) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeoutS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
