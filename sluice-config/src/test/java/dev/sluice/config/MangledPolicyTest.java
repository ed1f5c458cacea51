package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Whatever a hand edit does to a policy file, reading it either succeeds or fails with a located
 * {@link PolicyException}: no other exception, no stack trace, ever.
 */
class MangledPolicyTest {
  private static final String ALPHABET = " \n\t:-[]{},'\"#&*!|>/_.0123456789abcdeimnorstuyz{}";

  @Test
  void mangledExamples_failOnlyWithALocatedPolicyException() throws IOException {
    Random random = new Random(20_250_303);
    int failures = 0;
    for (String name : new String[] {"ipto.yaml", "convotic.yaml"}) {
      String original = Files.readString(Examples.path(name));
      for (int i = 0; i < 1000; i++) {
        String text = mangle(original, random);
        try {
          PolicyFiles.parse(text, name);
        } catch (PolicyException e) {
          failures++;
          assertThat(e.getMessage()).startsWith(name + ":");
          assertThat(e.line()).as("line of %s", e.getMessage()).isPositive();
          assertThat(e.column()).isPositive();
          assertThat(e.problem()).doesNotContain("please report this as a bug");
        } catch (RuntimeException e) {
          fail("%s escaped for:%n%s", e, text);
        }
      }
    }
    assertThat(failures).as("most mangled files are invalid").isGreaterThan(600);
  }

  /** One to three random edits: delete, insert or replace a short run of characters. */
  private static String mangle(String s, Random random) {
    StringBuilder sb = new StringBuilder(s);
    for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
      int at = random.nextInt(sb.length());
      int len = 1 + random.nextInt(4);
      switch (random.nextInt(3)) {
        case 0 -> sb.delete(at, Math.min(sb.length(), at + len));
        case 1 -> sb.insert(at, randomText(random, len));
        default -> sb.replace(at, Math.min(sb.length(), at + len), randomText(random, len));
      }
      if (sb.length() == 0) {
        sb.append('x');
      }
    }
    return sb.toString();
  }

  private static String randomText(Random random, int len) {
    StringBuilder sb = new StringBuilder(len);
    for (int i = 0; i < len; i++) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }
}
