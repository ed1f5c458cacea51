package dev.sluice.spring.boot;

import org.springframework.boot.test.context.SpringBootTest;

/** Shadow mode in a WebFlux app. */
@SpringBootTest(
    classes = {DemoApp.class, ManualClock.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=reactive",
      "sluice.policy=classpath:policies/ipto.yaml",
      "sluice.shadow=true"
    })
class ReactiveShadowTest extends ShadowContract {}
