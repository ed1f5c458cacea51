package dev.sluice.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorBodyTest {

  @Test
  void isTheErrorObjectWithCodeAndMessage() {
    assertThat(ErrorBody.of("INVALID_REQUEST", "no key"))
        .isEqualTo("{\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":\"no key\"}}");
  }

  @Test
  void escapesWhatAClientPutInTheMessageSoTheBodyStaysJson() {
    assertThat(ErrorBody.of("X", "a \"quoted\" \\ path\n\u0001é"))
        .isEqualTo(
            "{\"error\":{\"code\":\"X\",\"message\":\"a \\\"quoted\\\" \\\\ path\\n\\u0001é\"}}");
  }
}
