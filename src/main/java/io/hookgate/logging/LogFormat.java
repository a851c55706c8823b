package io.hookgate.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * How log lines are written: {@code text} (logback.xml's console pattern, MDC fields appended) or
 * {@code json}, one JSON object per line through logstash-logback-encoder, with the {@link LogFields}
 * as top-level fields, for log shippers. Chosen once at start-up ({@code logging.format}).
 */
public final class LogFormat {
  public static final String TEXT = "text";
  public static final String JSON = "json";
  private static final String APPENDER = "STDOUT";

  private LogFormat() {
  }

  /** Writes the console log in {@code format} from now on; text leaves logback.xml's appender as it is. */
  public static void use(String format) {
    if (!JSON.equals(format)) {
      return;
    }
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName(APPENDER);
    console.setEncoder(encoder(context));
    console.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAppender(APPENDER);
    root.addAppender(console);
  }

  /** The JSON encoder: timestamp, level, logger, thread, message, stack trace, and every MDC field. */
  static Encoder<ILoggingEvent> encoder(LoggerContext context) {
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.setCustomFields("{\"service\":\"hookgate\"}");
    encoder.start();
    return encoder;
  }
}
