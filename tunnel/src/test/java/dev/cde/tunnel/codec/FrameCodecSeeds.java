package dev.cde.tunnel.codec;

import dev.cde.tunnel.message.ChannelRequest;
import dev.cde.tunnel.message.ExitStatus;
import dev.cde.tunnel.message.Failure;
import dev.cde.tunnel.message.Hello;
import dev.cde.tunnel.message.Json;
import dev.cde.tunnel.message.OpenRequest;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes the seed corpus of {@link FrameCodecFuzzTest}: real messages of the protocol, made by the codec and the
 * message types themselves (one per frame type and body kind, a batch, a largest DATA frame), so the fuzzer starts
 * from what peers really send. Run it again after a protocol change:
 * {@code java -cp <tunnel test classpath> dev.cde.tunnel.codec.FrameCodecSeeds <inputs directory>}.
 */
public final class FrameCodecSeeds {
  private FrameCodecSeeds() {
  }

  public static void main(String[] args) throws IOException {
    Path dir = Files.createDirectories(Path.of(args[0]));
    Hello agent = new Hello(1, "agent", "cde-agent 0.1.0", "s-abc123", 4, 8589934592L,
        List.of(new Hello.Gpu("Tesla T4", 15360L, "535.104.05", "GPU-1")), "inst-1", "Linux 6.1");
    write(dir, "hello-agent", control(FrameType.HELLO, 0, agent));
    write(dir, "hello-bridge", control(FrameType.HELLO, 0, Hello.of("bridge", "cde-bridge 0.1.0")));
    write(dir, "open-exec", control(FrameType.OPEN, 1,
        OpenRequest.exec(List.of("sh", "-c", "echo hi"), Map.of("CI", "true"), "/work")));
    write(dir, "open-pty", control(FrameType.OPEN, 3, OpenRequest.pty(List.of("bash"), Map.of(), 80, 24,
        "xterm-256color")));
    write(dir, "open-tcp", control(FrameType.OPEN, 5, OpenRequest.tcp("127.0.0.1", 22)));
    write(dir, "open-attach", control(FrameType.OPEN, 7, OpenRequest.attach("s-abc123", true)));
    write(dir, "open-ok", Frame.of(FrameType.OPEN_OK, 1));
    write(dir, "open-fail", control(FrameType.OPEN_FAIL, 1, new Failure(ErrorCode.REFUSED.code, "no such command: cc")));
    write(dir, "data-and-eof", Frame.of(FrameType.DATA, 1, Buffer.buffer("hello\n")),
        Frame.of(FrameType.DATA_ERR, 1, Buffer.buffer("warn\n")), Frame.of(FrameType.EOF, 1));
    write(dir, "exit-code", control(FrameType.EXIT, 1, ExitStatus.code(7)));
    write(dir, "exit-signal", control(FrameType.EXIT, 1, ExitStatus.signal("KILL", 9)));
    write(dir, "rst", control(FrameType.RST, 1, new Failure(ErrorCode.INTERNAL.code, "reset by user")));
    write(dir, "request-resize", control(FrameType.REQUEST, 3, ChannelRequest.resize(120, 40)));
    write(dir, "request-signal", control(FrameType.REQUEST, 3, ChannelRequest.signal("INT")));
    write(dir, "window-update", Frame.of(FrameType.WINDOW_UPDATE, 1, Buffer.buffer().appendInt(262144)));
    write(dir, "ping-pong", Frame.of(FrameType.PING, 0, Buffer.buffer().appendLong(123456789L)),
        Frame.of(FrameType.PONG, 0, Buffer.buffer().appendLong(987654321L)));
    write(dir, "goaway", control(FrameType.GOAWAY, 0, new Failure(ErrorCode.SHUTDOWN.code, "bridge shutting down")));
    byte[] largest = new byte[FrameCodec.MAX_DATA_PAYLOAD];
    new Random(1).nextBytes(largest);
    write(dir, "data-max", Frame.of(FrameType.DATA, 1, Buffer.buffer(largest)));
  }

  private static Frame control(FrameType type, int channel, Object body) {
    return Frame.of(type, channel, Json.encode(body));
  }

  private static void write(Path dir, String name, Frame... frames) throws IOException {
    Buffer message = Buffer.buffer();
    for (Frame f : frames) {
      FrameCodec.encodeTo(message, f);
    }
    Files.write(dir.resolve(name), message.getBytes());
  }
}
