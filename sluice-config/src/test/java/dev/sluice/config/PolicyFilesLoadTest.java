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
  @TempDir
  Path dir;

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

    assertThat(errorLoading(file).getMessage()).isEqualTo(
        file + ": no such file (looked for " + file.toAbsolutePath() + ")");
  }

  @Test
  void directory_isNotAPolicyFile() {
    assertThat(errorLoading(dir).getMessage())
        .isEqualTo(dir + ": cannot read the file: it is a directory, not a policy file");
  }

  @Test
  void binaryFile_isNotUtf8() throws IOException {
    Path file = Files.write(dir.resolve("p.yaml"), new byte[] {'a', ':', ' ', (byte) 0xC3});

    assertThat(errorLoading(file).getMessage()).isEqualTo(file + ": the file is not UTF-8 text");
  }

  @Test
  void controlCharacter_isLocated() throws IOException {
    Path file = Files.write(dir.resolve("p.yaml"),
        "global:\n  limits: 1/s\u0007\n".getBytes(StandardCharsets.UTF_8));

    PolicyException e = errorLoading(file);

    assertThat(e.getMessage()).isEqualTo(
        file + ":2:14: invalid YAML: character U+0007 cannot appear in a YAML file");
  }
}
