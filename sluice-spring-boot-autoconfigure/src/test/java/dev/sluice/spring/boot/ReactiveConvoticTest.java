package dev.sluice.spring.boot;

import org.springframework.boot.test.context.SpringBootTest;

/** examples/convotic.yaml in a WebFlux app on Netty. */
@SpringBootTest(
    classes = {DemoApp.class, ManualClock.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=reactive",
      "sluice.policy=classpath:policies/convotic.yaml"
    })
class ReactiveConvoticTest extends ConvoticContract {}
