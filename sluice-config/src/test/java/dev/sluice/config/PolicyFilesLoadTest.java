package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading policy files from disk: errors name the path as given. */
class PolicyFilesLoadTest {
  @TempDir Path dir;

  private static PolicyException errorLoading(Path file) {
    PolicyException e = catchThrowableOfType(PolicyException.class, () -> PolicyFiles.load(file));
    assertThat(e).isNotNull();
    return e;
  }

  @Test
  void validFile_loads() throws IOException {
    Path file = Files.writeString(dir.resolve("p.yaml"), "global: {limits: 100/minute}\n");

    assertThat(PolicyFiles.load(file).rules()).hasSize(1);
  }

  @Test
  void errorInAFile_namesThePathAsGiven() throws IOException {
    Path file = Files.writeString(dir.resolve("p.yaml"), "global:\n  limits: 100/minit\n");

    PolicyException e = errorLoading(file);

    assertThat(e.source()).isEqualTo(file.toString());
    assertThat(e.getMessage()).startsWith(file + ":2:11: global.limits: unknown window 'minit'");
  }

  @Test
  void missingFile_saysSoWithoutAPosition() {
    Path file = dir.resolve("nope.yaml");

    PolicyException e = errorLoading(file);

    assertThat(e.getMessage()).isEqualTo(file + ": no such file");
    assertThat(new int[] {e.line(), e.column()}).containsExactly(0, 0);
    assertThat(e.field()).isEmpty();
  }

  @Test
  void missingRelativeFile_showsWhereItWasLookedFor() {
    Path file = Path.of("no-such-dir", "nope.yaml");

    assertThat(errorLoading(file).getMessage())
        .isEqualTo(file + ": no such file (looked for " + file.toAbsolutePath() + ")");
  }

  @Test
  void directory_isNotAPolicyFile() {
    assertThat(errorLoading(dir).getMessage())
        .isEqualTo(dir + ": cannot read the file: it is a directory, not a policy file");
  }

  @Test
  void binaryFile_isNotUtf8_atTheFirstBadByte() throws IOException {
    Path file = Files.write(dir.resolve("p.yaml"), new byte[] {'a', ':', ' ', (byte) 0xC3});

    assertThat(errorLoading(file).getMessage())
        .isEqualTo(
            file
                + ":1:4: the file is not UTF-8"
                + " text: byte 0xC3 here is not valid UTF-8; save the file as UTF-8");
  }

  @Test
  void latin1Byte_isLocatedByLineAndColumn() throws IOException {
    byte[] head =
        "global: {limits: 1/minute}\nrules:\n  - route: /caf\u00e9/th\u00e9"
            .getBytes(StandardCharsets.UTF_8);
    byte[] bytes = java.util.Arrays.copyOf(head, head.length + 2);
    bytes[head.length] = (byte) 0xE9; // Latin-1 e-acute
    bytes[head.length + 1] = '\n';
    Path file = Files.write(dir.resolve("p.yaml"), bytes);

    PolicyException e = errorLoading(file);

    assertThat(new int[] {e.line(), e.column()})
        .containsExactly(3, 21); // after "  - route: /café/thé", counted in characters
    assertThat(e.problem()).contains("byte 0xE9");
  }

  @Test
  void fileOverTheSizeLimit_isRefusedAtOnce() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("p.yaml"), "global: {limits: 1/minute}\n# " + "x".repeat(5_000_000) + "\n");

    long start = System.nanoTime();
    PolicyException e = errorLoading(file);

    assertThat(e.getMessage())
        .isEqualTo(
            file
                + ": the file is larger than 1 MiB, the most a"
                + " policy file may be; is this the right file?");
    assertThat(System.nanoTime() - start)
        .as("no parse of 5 MB (it took seconds)")
        .isLessThan(2_000_000_000L);
  }

  @Test
  void endlessFile_isRefusedWithoutReadingItAll() {
    Path zero = Path.of("/dev/zero");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(zero));

    assertThat(errorLoading(zero).problem()).startsWith("the file is larger than 1 MiB");
  }

  @Test
  void controlCharacter_isLocated() throws IOException {
    Path file =
        Files.write(
            dir.resolve("p.yaml"),
            "global:\n  limits: 1/s\u0007\n".getBytes(StandardCharsets.UTF_8));

    PolicyException e = errorLoading(file);

    assertThat(e.getMessage())
        .isEqualTo(file + ":2:14: invalid YAML: character U+0007 cannot appear in a YAML file");
  }
}
