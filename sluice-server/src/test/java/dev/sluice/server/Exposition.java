package dev.sluice.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Prometheus text exposition format (version 0.0.4), parsed as a scraper reads it: {@code #
 * TYPE} lines and samples, {@code name{label="value",...} value}, with the label values' escapes
 * ({@code \\}, {@code \"}, {@code \n}) undone. A line that is neither fails the parse.
 */
final class Exposition {
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: \\d+)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  final Map<String, String> types = new HashMap<>();
  final List<Sample> samples = new ArrayList<>();

  static Exposition parse(String text) {
    Exposition e = new Exposition();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("# HELP ") || line.equals("# EOF")) {
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] t = line.substring(7).split(" ");
        e.types.put(t[0], t[1]);
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("not a sample: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        int at = 0;
        while (l.find() && l.start() == at) {
          labels.put(
              l.group(1),
              l.group(2).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\"));
          at = l.end();
        }
        if (at != m.group(2).length()) {
          throw new AssertionError("bad labels: " + line);
        }
      }
      e.samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return e;
  }

  /** The samples named {@code name}. */
  List<Sample> named(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }
}
