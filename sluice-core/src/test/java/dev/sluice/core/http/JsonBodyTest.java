package dev.sluice.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonBodyTest {

  @Test
  void scalars_areReadAsText_numbersAsWritten() {
    JsonBody b =
        JsonBody.parse(
            "{\"email\": \"a@example.com\", \"n\": 1.50, \"e\": 1e3, \"t\": true,"
                + " \"user\": {\"id\": \"u\\u00e9\\n\"}, \"z\": null, \"list\": [1, {\"a\": 2}]}");

    assertThat(b.field("email")).isEqualTo("a@example.com");
    assertThat(b.field("n")).isEqualTo("1.50");
    assertThat(b.field("e")).isEqualTo("1e3");
    assertThat(b.field("t")).isEqualTo("true");
    assertThat(b.field("user.id")).isEqualTo("u\u00e9\n");
    assertThat(b.field("z")).isNull();
    assertThat(b.field("list")).isNull();
    assertThat(b.field("user")).isNull();
    assertThat(b.field("missing")).isNull();
    assertThat(b.object("user").field("id")).isEqualTo("u\u00e9\n");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"email\": \"a\", \"email\": \"b\"}",
        "{\"email\": \"a\", \"email\": \"a\"}",
        "{\"user\": {\"email\": \"a\", \"email\": \"b\"}}",
        "{\"list\": [{\"k\": 1, \"k\": 2}]}",
        "{\"e\\u006dail\": \"a\", \"email\": \"b\"}"
      })
  void keyGivenTwice_isRefused_asBadBody(String json) {
    assertThatThrownBy(() -> JsonBody.parse(json))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> {
              assertThat(e.code()).isEqualTo("BAD_BODY");
              assertThat(e.getMessage()).contains("twice");
            });
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "[1]",
        "\"a\"",
        "{",
        "{\"a\": }",
        "{\"a\": 01}",
        "{\"a\": 1,}",
        "{\"a\": 1} x",
        "{'a': 1}",
        "{\"a\": \"\u0001\"}",
        "{\"a\": tru}"
      })
  void notAJsonObject_hasNoFields(String json) {
    assertThat(JsonBody.parse(json).field("a")).isNull();
  }

  @Test
  void invalidUtf8_orTooDeep_hasNoFields() {
    byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'};
    String deep = "{\"a\": 1, \"b\": " + "[".repeat(5000) + "]".repeat(5000) + "}";

    assertThat(JsonBody.parse(bad).field("a")).isNull();
    assertThat(JsonBody.parse(deep.getBytes(StandardCharsets.UTF_8)).field("a")).isNull();
  }
}
