package dev.sluice.server;

import dev.sluice.config.PolicyException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** How every command reports a bad policy file: the located error, then the line and a caret. */
public final class PolicyErrors {
  private PolicyErrors() {}

  /** Prints {@code e}, found in {@code config}, as {@code sluice check} does. */
  public static void print(PrintWriter err, Path config, PolicyException e) {
    err.println(e.getMessage());
    snippet(err, config, e);
    err.flush();
  }

  /** The offending line of the file, and a caret under the column, as compilers show it. */
  private static void snippet(PrintWriter err, Path config, PolicyException e) {
    if (e.line() < 1) {
      return;
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(config, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException unreadable) {
      return; // the message alone still says where
    }
    if (e.line() > lines.size()) {
      return;
    }
    String line = lines.get(e.line() - 1);
    String number = Integer.toString(e.line());
    err.println(" ".repeat(Math.max(0, 5 - number.length())) + number + " | " + line);
    StringBuilder pad = new StringBuilder();
    for (int i = 0, col = 1; i < line.length() && col < e.column(); col++) {
      int c = line.codePointAt(i);
      pad.append(c == '\t' ? '\t' : ' ');
      i += Character.charCount(c);
    }
    err.println("      | " + pad + "^");
  }
}
