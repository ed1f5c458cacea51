package dev.sluice.spring.boot;

import org.springframework.boot.test.context.SpringBootTest;

/** examples/ipto.yaml in a WebFlux app on Netty. */
@SpringBootTest(
    classes = {DemoApp.class, ManualClock.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=reactive",
      "sluice.policy=classpath:policies/ipto.yaml"
    })
class ReactiveIptoTest extends IptoContract {}
