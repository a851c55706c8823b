package io.hookgate.config;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A gauge that is 1 for the version of a file in force ({@code name{version="..."}}): the previous version's
 * series goes when a new one is shown, so a node shows exactly one. Versions are short hashes of the text.
 */
public final class VersionGauge {
  private final MeterRegistry registry;
  private final String name;
  private final String description;
  private Gauge shown;

  public VersionGauge(MeterRegistry registry, String name, String description) {
    this.registry = registry;
    this.name = name;
    this.description = description;
  }

  public synchronized void show(String version) {
    Gauge next = Gauge.builder(name, () -> 1).tag("version", version).description(description).register(registry);
    if (shown != null && !shown.getId().equals(next.getId())) {
      registry.remove(shown);
    }
    shown = next;
  }

  /** The first 12 hex digits of the SHA-256 of the text. */
  public static String hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
