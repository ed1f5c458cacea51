package dev.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.codec.StringCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8CodecTest {
  static final String[] SAMPLES = {
    "",
    "1000000000",
    "sluice:{0123456789abcdef}:global",
    "café",
    "日本語",
    "emoji \uD83D\uDE00 key",
    "lone surrogate \uD800 here"
  };

  @Test
  void estimateIsTheExactEncodedLength_soLettuceWritesArgumentsInPlace() {
    assertThat(Utf8Codec.INSTANCE.isEstimateExact()).isTrue();
    for (String s : SAMPLES) {
      ByteBuf target = Unpooled.buffer();
      Utf8Codec.INSTANCE.encodeValue(s, target);
      assertThat(Utf8Codec.INSTANCE.estimateSize(s)).as(s).isEqualTo(target.readableBytes());
    }
  }

  @Test
  void bytesAreLettucesUtf8Codecs_bothWaysAndForKeysAndValues() {
    for (String s : SAMPLES) {
      ByteBuf key = Unpooled.buffer();
      ByteBuf value = Unpooled.buffer();
      Utf8Codec.INSTANCE.encodeKey(s, key);
      Utf8Codec.INSTANCE.encodeValue(s, value);
      ByteBuffer expected = StringCodec.UTF8.encodeValue(s);
      byte[] want = new byte[expected.remaining()];
      expected.get(want);
      assertThat(bytes(key)).as(s).isEqualTo(want);
      assertThat(bytes(value)).as(s).isEqualTo(want);
      if (!s.contains("\uD800")) { // a lone surrogate has no UTF-8 form; both write '?'
        assertThat(Utf8Codec.INSTANCE.decodeValue(ByteBuffer.wrap(want))).isEqualTo(s);
        assertThat(new String(want, StandardCharsets.UTF_8)).isEqualTo(s);
      }
    }
  }

  private static byte[] bytes(ByteBuf b) {
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }
}
