package dev.sluice.spring.boot;

import org.springframework.boot.test.context.SpringBootTest;

/**
 * examples/convotic.yaml in a Spring MVC app on Tomcat (the WebFlux filter answers alike: see
 * ReactiveIptoTest; a thousand requests once per Boot line are enough).
 */
@SpringBootTest(
    classes = {DemoApp.class, ManualClock.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=servlet",
      "sluice.policy=classpath:policies/convotic.yaml"
    })
class ServletConvoticTest extends ConvoticContract {}
