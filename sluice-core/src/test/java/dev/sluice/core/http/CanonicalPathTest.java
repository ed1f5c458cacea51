package dev.sluice.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalPathTest {

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
    "/a%20b, /a%20b",
    "/caf%c3%a9, /caf%C3%A9",
    "/magic%2Dlink, /magic-link",
    "/a/., /a/",
    "/a;x=1/b;, /a/b",
    "/a/b;jsessionid=1, /a/b",
    "/a/..;/b, /b",
    "/a;/b, /a/b",
    "/;x/a, /a",
    "/a/b., /a/b",
    "/a/b.., /a/b",
    "/a/b%20, /a/b",
    "/a/%20b, /a/b",
    "/a/b.%20., /a/b",
    "/a/..%20/b, /b",
    "/a/%20/b, /a/b",
    "/a%3Fb, /a%3Fb",
    "/a%25b, /a%25b",
    "/v1.2/x, /v1.2/x",
  })
  void canonicalForm(String raw, String expected) {
    assertThat(CanonicalPath.of(raw)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"/Auth/MAGIC-Link, /auth/magic-link", "/A%3fB%c3%A9%41, /a%3Fb%C3%A9a"})
  void foldCase_lowerCasesLetters_notEscapes(String raw, String expected) {
    assertThat(CanonicalPath.of(raw, true)).isEqualTo(expected);
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
        "/caf\u00e9",
        "/a%2fb",
        "/a%2Fb",
        "/a%5Cb",
        "/a\\b",
        "/a%3Bb",
        "/a%23b",
        "/a#b",
        "/a?b",
        "/a%00",
        "/a%09",
        "/a%0A",
        "/a%7F",
        "/a%C3%28",
        "/%80",
        "/a/%C0%AF../x",
        "/a;x=%2F",
      })
  void invalidPaths_areRefused_asBadPath(String raw) {
    assertThatThrownBy(() -> CanonicalPath.of(raw))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> {
              assertThat(e.code()).isEqualTo("BAD_PATH");
              assertThat(e.getMessage()).isNotBlank();
            });
  }

  @Test
  void alreadyCanonicalPath_isReturnedAsTheSameString() {
    for (String p :
        new String[] {"/", "/assets", "/assets/42/download", "/a/b/", "/a%3Fb", "/v1.2/x"}) {
      assertThat(CanonicalPath.of(p)).as(p).isSameAs(p);
    }
    assertThat(CanonicalPath.of("/auth/magic-link", true)).isSameAs("/auth/magic-link");
  }

  /** Random paths over the characters that matter: canonical forms are fixed points. */
  @Test
  void canonicalForm_isItsOwnCanonicalForm_andHasNoDotOrEmptySegment() {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    String[] pieces = {
      "/", "a", "B", ".", "..", ";", ";x=1", "%2e", "%2D", "%20", "%41", "%c3%a9", "%3f", "-", "~"
    };
    for (int n = 0; n < 20_000; n++) {
      StringBuilder b = new StringBuilder("/");
      for (int k = random.nextInt(8); k > 0; k--) {
        b.append(pieces[random.nextInt(pieces.length)]);
      }
      String raw = b.toString();
      boolean fold = random.nextBoolean();
      String c;
      try {
        c = CanonicalPath.of(raw, fold);
      } catch (InvalidRequestException e) {
        continue; // '..' above the root
      }
      String where = "seed " + seed + ", path " + raw;
      String again = CanonicalPath.of(c, fold);
      assertThat(again).as(where).isEqualTo(c);
      if (!c.contains("%20") && !c.contains("%C3")) { // escapes the fast path leaves to the slow
        assertThat(again).as("%s: no allocation", where).isSameAs(c);
      }
      assertThat(c).as(where).startsWith("/").doesNotContain("//").doesNotContain(";");
      assertThat(("/" + c + "/").contains("/./") || ("/" + c + "/").contains("/../"))
          .as(where)
          .isFalse();
    }
  }
}
