package dev.sluice.server.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReorderBufferTest {
  @Test
  void linesComeOutInTimeThenLineOrder_whateverOrderTheyWentIn_pastTheFirstCapacity() {
    Random rnd = new Random(7);
    List<LogLine> in = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) { // mostly in order, some early by up to 3 s, many equal times
      long t = i / 3 * 1_000_000L - (rnd.nextInt(10) == 0 ? rnd.nextInt(3_000_000) : 0);
      in.add(new LogLine(i + 1, t, "GET", "/", null, Map.of()));
    }
    ReorderBuffer b = new ReorderBuffer();
    in.forEach(b::add);
    List<LogLine> out = new ArrayList<>();
    while (!b.isEmpty()) {
      out.add(b.poll());
    }
    List<LogLine> expected = new ArrayList<>(in);
    expected.sort(
        Comparator.comparingLong((LogLine l) -> l.timeMicros).thenComparingLong(l -> l.number));
    assertThat(out).containsExactlyElementsOf(expected);
  }
}
