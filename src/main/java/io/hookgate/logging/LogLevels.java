package io.hookgate.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * Log levels from {@code logging.levels}, applied while the node runs. A logger named there takes the
 * level given; one that was named before and is no longer goes back to the level it had (logback.xml's),
 * so taking a line out of the file undoes it.
 */
public final class LogLevels {
  /** The level each logger had before the first change made here (null: inherited). */
  private static final Map<String, Level> ORIGINAL = new HashMap<>();

  private LogLevels() {
  }

  public static synchronized void apply(Map<String, String> levels) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    for (Map.Entry<String, Level> restored : new HashMap<>(ORIGINAL).entrySet()) {
      if (!levels.containsKey(restored.getKey())) {
        context.getLogger(restored.getKey()).setLevel(restored.getValue());
        ORIGINAL.remove(restored.getKey());
      }
    }
    levels.forEach((name, level) -> {
      Logger logger = context.getLogger(name);
      if (!ORIGINAL.containsKey(name)) {
        ORIGINAL.put(name, logger.getLevel());
      }
      logger.setLevel(Level.toLevel(level));
    });
  }
}
