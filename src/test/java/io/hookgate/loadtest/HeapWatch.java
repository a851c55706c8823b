package io.hookgate.loadtest;

import io.vertx.ext.web.client.WebClient;

import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the gateway's heap from its {@code /metrics} once a second, on a thread of its own, from the
 * moment the gateway is up until the scenario ends. Scraping is work for the gateway, so it goes on
 * through the warm-up as well: a window that began scraping when it opened measured the gateway
 * compiling its first scrapes.
 */
final class HeapWatch implements AutoCloseable {
  private static final Pattern HEAP = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.E]+)");

  private final WebClient web;
  private final int port;
  private final AtomicLong latest = new AtomicLong();
  private final Thread thread;

  HeapWatch(WebClient web, int port) {
    this.web = web;
    this.port = port;
    this.thread = new Thread(this::watch, "heap-watch");
    thread.setDaemon(true);
    thread.start();
  }

  /** The heap in use at the last scrape, bytes (0 before the first, or while the gateway restarts). */
  long latest() {
    return latest.get();
  }

  private void watch() {
    while (!Thread.currentThread().isInterrupted()) {
      latest.set(scrape());
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private long scrape() {
    try {
      String metrics = LoadTest.await(web.get(port, "127.0.0.1", "/metrics").send(), 10).bodyAsString();
      Matcher m = HEAP.matcher(metrics);
      long sum = 0;
      while (m.find()) {
        sum += (long) Double.parseDouble(m.group(1));
      }
      return sum;
    } catch (RuntimeException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
