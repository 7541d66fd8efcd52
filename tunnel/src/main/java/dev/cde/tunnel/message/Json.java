package dev.cde.tunnel.message;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cde.tunnel.codec.ErrorCode;
import dev.cde.tunnel.codec.ProtocolException;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/** JSON bodies of control frames. Unknown fields are ignored so that newer peers can add some. */
public final class Json {
  public static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private Json() {}

  public static Buffer encode(Object body) {
    try {
      return Buffer.buffer(MAPPER.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + body.getClass().getSimpleName(), e);
    }
  }

  public static <T> T decode(Buffer payload, Class<T> type) {
    try {
      T value = MAPPER.readValue(payload.getBytes(), type);
      if (value == null) {
        throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "empty " + type.getSimpleName() + " body");
      }
      return value;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR,
          "malformed " + type.getSimpleName() + " body: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ProtocolException(ErrorCode.PROTOCOL_ERROR, "unreadable " + type.getSimpleName() + " body");
    }
  }
}
