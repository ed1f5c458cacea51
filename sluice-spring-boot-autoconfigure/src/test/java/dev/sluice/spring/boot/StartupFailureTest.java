package dev.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.PolicyException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A policy Sluice cannot enforce stops the app's start, saying where the mistake is. */
class StartupFailureTest {

  private static ConfigurableApplicationContext start(String... properties) {
    return new SpringApplicationBuilder(DemoApp.class)
        .web(WebApplicationType.NONE)
        .properties(properties)
        .run();
  }

  private static Throwable root(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  @Test
  void aBadPolicyFile_failsTheStartWithTheLocatedErrorSluiceCheckPrints() {
    assertThatThrownBy(() -> start("sluice.policy=classpath:policies/bad.yaml"))
        .satisfies(
            e -> {
              Throwable cause = root(e);
              assertThat(cause).isInstanceOf(PolicyException.class);
              assertThat(cause.getMessage())
                  .startsWith(
                      "classpath:policies/bad.yaml:5:12: rules[0].route: unknown HTTP method 'GTE'"
                          + " in route 'GTE /assets'; did you mean 'GET'?");
            });
  }

  @Test
  void theFailureReport_quotesTheLocatedError() {
    PolicyException e = null;
    try {
      dev.sluice.config.PolicyFiles.parse("headers: x-ratelimits\n", "sluice.yaml");
    } catch (PolicyException thrown) {
      e = thrown;
    }
    assertThat(e).isNotNull();

    var analysis = new PolicyFailureAnalyzer().analyze(e);

    assertThat(analysis.getDescription()).contains(e.getMessage());
    assertThat(analysis.getAction()).contains("sluice check");
  }

  @Test
  void aMissingPolicyFile_failsTheStartNamingIt() {
    assertThatThrownBy(() -> start("sluice.policy=classpath:policies/none.yaml"))
        .satisfies(
            e ->
                assertThat(root(e).getMessage())
                    .startsWith("sluice.policy: no policy file at 'classpath:policies/none.yaml'"));
  }

  @Test
  void noPolicyProperty_failsTheStartSayingWhatToSet() {
    assertThatThrownBy(() -> start())
        .satisfies(e -> assertThat(root(e).getMessage()).startsWith("sluice.policy is not set"));
  }

  @Test
  void sluiceDisabled_needsNoPolicy() {
    try (ConfigurableApplicationContext app = start("sluice.enabled=false")) {
      assertThat(app.getBeanNamesForType(SluiceEngine.class)).isEmpty();
    }
  }

  @Test
  void aRedisStoreWithoutAnIdentitySecret_failsTheStart() {
    assertThatThrownBy(
            () ->
                start(
                    "sluice.policy=classpath:policies/ipto.yaml",
                    "sluice.store=redis://127.0.0.1:1"))
        .satisfies(e -> assertThat(root(e).getMessage()).isNotBlank());
  }
}
