package dev.sluice.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RouteAndPathTemplateTest {

  @Test
  void route_parse_methodsAndPath() {
    Route r = Route.parse("  put,PATCH /assets/{id}  ");

    assertThat(r.methods()).containsExactlyInAnyOrder("PUT", "PATCH");
    assertThat(r.path()).hasToString("/assets/{id}");
    assertThat(r.coversMethod("PATCH")).isTrue();
    assertThat(r.coversMethod("GET")).isFalse();
    assertThat(r).hasToString("PATCH,PUT /assets/{id}");
    assertThat(Route.parse("GET|POST /x").methods()).containsExactlyInAnyOrder("GET", "POST");
    assertThat(Route.parse("GET, POST /x").methods()).containsExactlyInAnyOrder("GET", "POST");
  }

  @Test
  void route_withoutMethods_coversEveryMethod() {
    Route r = Route.parse("/health");

    assertThat(r.methods()).isEmpty();
    assertThat(r.coversMethod("DELETE")).isTrue();
    assertThat(r).hasToString("* /health");
  }

  @Test
  void route_unknownMethod_isRefusedListingTheKnownOnes() {
    assertThatThrownBy(() -> Route.parse("FETCH /x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown HTTP method 'FETCH'; use one of [CONNECT, DELETE, GET, HEAD, OPTIONS, PATCH,"
                + " POST, PUT, TRACE]");
    assertThatThrownBy(() -> new Route(Set.of("get", "teapot"), PathTemplate.parse("/x")))
        .hasMessageStartingWith("unknown HTTP method 'teapot'");
  }

  @Test
  void route_badText_namesWhatIsWrong() {
    assertThatThrownBy(() -> Route.parse(null)).hasMessage("a path must start with '/', got ''");
    assertThatThrownBy(() -> Route.parse("GET"))
        .hasMessage("a path must start with '/', got 'GET'");
    assertThatThrownBy(() -> Route.parse("GET x"))
        .hasMessage("a path must start with '/', got 'x'");
    assertThatThrownBy(() -> new Route(Set.of(), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("path");
  }

  @Test
  void template_mustStartWithASlash() {
    assertThatThrownBy(() -> PathTemplate.parse("assets"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a path must start with '/', got 'assets'");
    assertThatThrownBy(() -> PathTemplate.parse(null))
        .hasMessage("a path must start with '/', got 'null'");
  }

  @Test
  void template_badSegments_areNamed() {
    assertThatThrownBy(() -> PathTemplate.parse("/a//b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("empty segment ('//') in path '/a//b'");
    assertThatThrownBy(() -> PathTemplate.parse("/a/**/b"))
        .hasMessage("'**' may only end a path, in '/a/**/b'");
    assertThatThrownBy(() -> PathTemplate.parse("/a b"))
        .hasMessage("bad segment 'a b' in path '/a b'");
    assertThatThrownBy(() -> PathTemplate.parse("/a?x=1"))
        .hasMessage("bad segment 'a?x=1' in path '/a?x=1'");
    for (String bad : new String[] {"{1x}", "{x", "{x}y", "{}", "{a-b}"}) {
      assertThatThrownBy(() -> PathTemplate.parse("/a/" + bad))
          .hasMessage(
              "bad parameter segment '"
                  + bad
                  + "' in '/a/"
                  + bad
                  + "': write {name} with letters, digits or '_'");
    }
  }

  @Test
  void template_starsOtherThanAFinalDoubleStar_andDotSegments_areRefused() {
    for (String bad : new String[] {"/*", "/api/*", "/a/**x", "/a/x*"}) {
      assertThatThrownBy(() -> PathTemplate.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("is no wildcard");
    }
    for (String bad : new String[] {"/./a", "/a/..", "/a/../b"}) {
      assertThatThrownBy(() -> PathTemplate.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("can never match");
    }
    assertThat(PathTemplate.parse("/a/**").isCatchAll()).isTrue();
    assertThat(PathTemplate.parse("/v1.2/a..b").segment(1)).isEqualTo("a..b");
  }

  @Test
  void template_duplicateParameter_isRefused() {
    assertThatThrownBy(() -> PathTemplate.parse("/a/{id}/b/{id}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("parameter {id} appears twice in '/a/{id}/b/{id}'");
    assertThatThrownBy(() -> PathTemplate.parse("/id/{id}/{id}"))
        .as("even after a literal segment of the same text")
        .hasMessage("parameter {id} appears twice in '/id/{id}/{id}'");
    assertThat(PathTemplate.parse("/id/{id}").hasParam("id")).isTrue();
  }

  @Test
  void template_structure() {
    PathTemplate t = PathTemplate.parse("/orgs/{org}/repos/**");

    assertThat(t.size()).isEqualTo(3);
    assertThat(t.segment(0)).isEqualTo("orgs");
    assertThat(t.isParam(0)).isFalse();
    assertThat(t.segment(1)).isEqualTo("org");
    assertThat(t.isParam(1)).isTrue();
    assertThat(t.isCatchAll()).isTrue();
    assertThat(t.hasParam("org")).isTrue();
    assertThat(t.hasParam("orgs")).as("a literal is not a parameter").isFalse();
    assertThat(PathTemplate.parse("/").size()).isZero();
    assertThat(PathTemplate.parse("/assets/").size()).isEqualTo(1);
    assertThat(PathTemplate.parse("/a/{b}"))
        .isEqualTo(PathTemplate.parse("/a/{b}"))
        .hasSameHashCodeAs(PathTemplate.parse("/a/{b}"))
        .isNotEqualTo(PathTemplate.parse("/a/{c}"));
  }

  @Test
  void template_extract_readsTheParameterFromAMatchingPath() {
    PathTemplate t = PathTemplate.parse("/users/{id}/posts/{post}");

    assertThat(t.extract("/users/42/posts/7", "id")).isEqualTo("42");
    assertThat(t.extract("/users/42/posts/7", "post")).isEqualTo("7");
    assertThat(t.extract("/users/42/posts/7/", "post")).isEqualTo("7");
    assertThat(t.extract("/users/42/posts/7", "users")).isNull();
    assertThat(t.extract("/users/42/posts/7", "absent")).isNull();
    assertThat(PathTemplate.parse("/files/{name}/**").extract("/files/a.txt/v/2", "name"))
        .isEqualTo("a.txt");
  }
}
