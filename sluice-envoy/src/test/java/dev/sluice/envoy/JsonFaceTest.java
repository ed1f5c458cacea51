package dev.sluice.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code POST /json}: the proto's JSON form in and out, 200 or 429, 400 for nonsense. */
class JsonFaceTest {
  private static final String YAML =
      "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: hour, requests_per_unit: 1}\n";

  private final JsonFace face =
      new JsonFace(EnvoyRateLimiter.builder(RatelimitConfig.parse(YAML, "d.yaml")).build());

  private JsonFace.Reply answer(String body) {
    return face.answer(body).toCompletableFuture().join();
  }

  @Test
  void answersOkThenOverLimitIn429() {
    String request =
        "{\"domain\": \"d\", \"descriptors\": [{\"entries\": [{\"key\": \"k\", \"value\":"
            + " \"v\"}]}]}";
    JsonFace.Reply ok = answer(request);
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.body()).contains("\"overallCode\": \"OK\"").contains("\"requestsPerUnit\": 1");
    JsonFace.Reply over = answer(request);
    assertThat(over.status()).isEqualTo(429);
    assertThat(over.body()).contains("\"overallCode\": \"OVER_LIMIT\"");
  }

  @Test
  void refusesWhatIsNotARequestWith400() {
    assertThat(answer("{\"domain\": 5, \"nope\": true}").status()).isEqualTo(400);
    assertThat(answer("not json").status()).isEqualTo(400);
    assertThat(answer("{\"domain\": \"d\"}").body()).contains("descriptor list must not be empty");
  }
}
