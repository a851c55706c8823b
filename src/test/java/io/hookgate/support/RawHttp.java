package io.hookgate.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte for byte as the test writes it: no client library in between to
 * fix up a bad request target, a missing Host header or an invalid body before it reaches the gateway.
 * One request per connection ({@code Connection: close}).
 */
public final class RawHttp {
  /** What came back; {@code status} 0 when the gateway closed the connection without an answer. */
  public record Response(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final int port;

  public RawHttp(int port) {
    this.port = port;
  }

  /** The request line and headers exactly as given (each header "Name: value"), then the body bytes. */
  public Response send(String requestLine, Iterable<String> headers, byte[] body) {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.writeBytes((requestLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    for (String header : headers) {
      head.writeBytes((header + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }
    head.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      head.writeBytes(body);
    }
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(15_000);
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(head.toByteArray());
        out.flush();
      } catch (IOException refusedMidway) {
        // The gateway may answer and close before it has read everything; its answer is read below.
      }
      return read(socket.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Response read(InputStream in) {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    byte[] chunk = new byte[65536];
    try {
      for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
        received.write(chunk, 0, n);
      }
    } catch (IOException e) {
      // A reset after the answer (the gateway closed with request bytes unread): keep what arrived.
    }
    byte[] all = received.toByteArray();
    String text = new String(all, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.") || end < 0) {
      return new Response(0, Map.of(), text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    String body = text.substring(end + 4);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    }
    return new Response(status, headers, body);
  }

  private static String dechunk(String chunked) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < chunked.length()) {
      int line = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, line).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(chunked, line + 2, line + 2 + size);
      at = line + 2 + size + 2;
    }
    return out.toString();
  }
}
