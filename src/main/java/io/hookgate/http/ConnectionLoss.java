package io.hookgate.http;

import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/** Whether a failure is the other side going away (a reset, a close, a broken pipe) rather than a fault of ours. */
public final class ConnectionLoss {
  private ConnectionLoss() {
  }

  public static boolean is(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof HttpClosedException || t instanceof ClosedChannelException) {
        return true;
      }
      String message = t.getMessage() == null ? "" : t.getMessage();
      if ((t instanceof IOException || t instanceof VertxException) && (message.contains("Connection reset")
        || message.contains("Broken pipe") || message.contains("Connection was closed")
        || message.contains("Connection closed"))) {
        return true;
      }
    }
    return false;
  }
}
