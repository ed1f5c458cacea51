package dev.sluice.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** What the dashboard and /admin/stats show of a webhook's URL: its origin, never its secret. */
class WebhookUrlShownTest {

  @Test
  void shownUrl_keepsTheOrigin_andElidesPathAndQuery() {
    assertThat(WebhookSender.shown(URI.create("https://hooks.example.com/services/T0/B0/s3cret")))
        .isEqualTo("https://hooks.example.com/…");
    assertThat(WebhookSender.shown(URI.create("http://127.0.0.1:9000/?token=s3cret")))
        .isEqualTo("http://127.0.0.1:9000/…");
    assertThat(WebhookSender.shown(URI.create("https://example.com")))
        .isEqualTo("https://example.com/");
    assertThat(WebhookSender.shown(URI.create("https://example.com/")))
        .isEqualTo("https://example.com/");
  }
}
