package dev.sluice.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathTest {

  @ParameterizedTest
  @CsvSource({
    "/, /",
    "/a/b, /a/b",
    "/a/b/, /a/b/",
    "//a///b, /a/b",
    "/a/./b, /a/b",
    "/a/b/.., /a/",
    "/a/b/../c, /a/c",
    "/a/%2e%2E/c, /c",
    "/%61%62c, /abc",
    "/a%2fb, /a%2Fb",
    "/a%20b, /a%20b",
    "/caf%C3%A9, /caf%C3%A9",
    "/magic%2Dlink, /magic-link",
    "/a/., /a/",
  })
  void canonicalForm(String raw, String expected) {
    assertThat(RequestPath.canonical(raw)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "a/b",
        "*",
        "http://x/y",
        "/..",
        "/a/../..",
        "/%",
        "/%4",
        "/%zz",
        "/a b",
        "/a\tb",
        "/a\u0000b",
        "/a\u007fb",
        "/caf\u00e9"
      })
  void invalidPaths_areRefused(String raw) {
    assertThat(RequestPath.canonical(raw)).isNull();
  }
}
