package dev.sluice.config;

import dev.sluice.core.Decision;
import dev.sluice.core.ManualTicker;
import dev.sluice.core.Sluice;
import dev.sluice.core.http.Header;
import dev.sluice.core.policy.Policy;
import dev.sluice.core.store.InMemoryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The example policies at the repository root, and an engine on a manual clock to run them. */
final class Examples {
  private Examples() {}

  /** {@code examples/NAME}, whether tests run from the module (Maven) or the repository root. */
  static Path path(String name) {
    Path fromModule = Path.of("..", "examples", name);
    return Files.exists(fromModule) ? fromModule : Path.of("examples", name);
  }

  static Policy load(String name) {
    return PolicyFiles.load(path(name));
  }

  /** An engine for {@code policy} whose store reads {@code ticker} and sweeps inline. */
  static Sluice engine(Policy policy, ManualTicker ticker) {
    return Sluice.builder(policy)
        .store(InMemoryStore.builder().ticker(ticker).executor(Runnable::run).build())
        .identitySecret(new byte[16])
        .build();
  }

  static List<Header> headers(String... namesAndValues) {
    Header[] out = new Header[namesAndValues.length / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = new Header(namesAndValues[2 * i], namesAndValues[2 * i + 1]);
    }
    return List.of(out);
  }

  /** The value of header {@code name} in {@code sluice}'s headers for {@code d}, or null. */
  static String header(Sluice sluice, Decision d, String name) {
    return sluice.headers(d).stream()
        .filter(h -> h.name().equals(name))
        .map(Header::value)
        .findFirst()
        .orElse(null);
  }
}
