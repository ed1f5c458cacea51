package dev.sluice.spring.boot;

import org.springframework.boot.test.context.SpringBootTest;

/** examples/ipto.yaml in a Spring MVC app on Tomcat. */
@SpringBootTest(
    classes = {DemoApp.class, ManualClock.class},
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.main.web-application-type=servlet",
      "sluice.policy=classpath:policies/ipto.yaml"
    })
class ServletIptoTest extends IptoContract {}
