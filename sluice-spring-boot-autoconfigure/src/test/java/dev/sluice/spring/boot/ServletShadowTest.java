package dev.sluice.spring.boot;

import org.springframework.boot.test.context.SpringBootTest;

/** Shadow mode in a Spring MVC app. */
@SpringBootTest(
    classes = {DemoApp.class, ManualClock.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=servlet",
      "sluice.policy=classpath:policies/ipto.yaml",
      "sluice.shadow=true"
    })
class ServletShadowTest extends ShadowContract {}
