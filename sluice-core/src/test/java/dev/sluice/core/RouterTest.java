package dev.sluice.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.core.policy.PathTemplate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouterTest {
  private final Router router = new Router();
  private int rules;

  private Router add(String... templates) {
    for (String t : templates) {
      router.add(PathTemplate.parse(t), rules++, false);
    }
    return router;
  }

  private List<Integer> match(String path) {
    long[] bits = new long[(rules + 63) / 64 + 1];
    router.match(path, bits);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < bits.length * 64; i++) {
      if ((bits[i >>> 6] & (1L << i)) != 0) {
        out.add(i);
      }
    }
    return out;
  }

  @Test
  void literalAndParameter_atTheSameDepth_bothMatch() {
    add("/assets/{id}", "/assets/latest");

    assertThat(match("/assets/latest")).containsExactly(0, 1);
    assertThat(match("/assets/42")).containsExactly(0);
  }

  @Test
  void parameter_matchesExactlyOneNonEmptySegment() {
    add("/assets/{id}");

    assertThat(match("/assets/42/extra")).isEmpty();
    assertThat(match("/assets")).isEmpty();
    assertThat(match("/assets//")).isEmpty();
  }

  @Test
  void literal_mustMatchTheWholeSegment() {
    add("/assets");

    assertThat(match("/assets")).containsExactly(0);
    assertThat(match("/asset")).isEmpty();
    assertThat(match("/assetsx")).isEmpty();
    assertThat(match("/ASSETS")).as("paths are case-sensitive").isEmpty();
  }

  @Test
  void severalTemplates_allMatchingRulesAreReported() {
    add("/a/{x}/c", "/a/b/{y}", "/a/b/c", "/a/**", "/x/b/c");

    assertThat(match("/a/b/c")).containsExactly(0, 1, 2, 3);
  }

  @Test
  void sameTemplate_inSeveralRules_reportsEach() {
    add("/login", "/login");

    assertThat(match("/login")).containsExactly(0, 1);
  }

  @Test
  void trailingSlash_isIgnored_onPathAndTemplate() {
    add("/assets/{id}", "/users/");

    assertThat(match("/assets/42/")).containsExactly(0);
    assertThat(match("/users")).containsExactly(1);
    assertThat(match("/users/")).containsExactly(1);
  }

  @Test
  void catchAll_matchesAnyRemainderIncludingNone() {
    add("/admin/**");

    assertThat(match("/admin")).containsExactly(0);
    assertThat(match("/admin/")).containsExactly(0);
    assertThat(match("/admin/users/42/roles")).containsExactly(0);
    assertThat(match("/administrator")).isEmpty();
    assertThat(match("/")).isEmpty();
  }

  @Test
  void rootCatchAll_matchesEveryPath() {
    add("/**");

    assertThat(match("/")).containsExactly(0);
    assertThat(match("/anything/at/all")).containsExactly(0);
  }

  @Test
  void root_matchesOnlyTheRoot() {
    add("/");

    assertThat(match("/")).containsExactly(0);
    assertThat(match("/a")).isEmpty();
  }

  @Test
  void catchAllAfterAParameter() {
    add("/tenants/{t}/**");

    assertThat(match("/tenants/acme")).containsExactly(0);
    assertThat(match("/tenants/acme/files/1")).containsExactly(0);
    assertThat(match("/tenants")).isEmpty();
  }

  @Test
  void manyRules_beyondOneWordOfBits() {
    for (int i = 0; i < 70; i++) {
      add("/r" + i);
    }
    add("/r69");

    assertThat(match("/r69")).containsExactly(69, 70);
    assertThat(match("/r3")).containsExactly(3);
  }

  @Test
  void noTemplates_nothingMatches() {
    assertThat(match("/anything")).isEmpty();
  }
}
