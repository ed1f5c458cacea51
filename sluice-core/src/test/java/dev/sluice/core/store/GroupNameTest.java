package dev.sluice.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GroupNameTest {

  @Test
  void aRulesOwnBucketsAreKeyedByItsName() {
    assertThat(GroupName.of("search").key()).isEqualTo("search");
    assertThat(GroupName.of("search").variant()).isNull();
  }

  @Test
  void aVariantsBucketsAreKeyedAsTheyAlwaysWereSoStoredCountsSurviveAnUpgrade() {
    assertThat(new GroupName("search", "pro").key()).isEqualTo("search@pro");
    assertThat(new GroupName("search", "custom-0123456789abcdef"))
        .hasToString("search@custom-0123456789abcdef");
  }

  @Test
  void anAtSignInANameIsRefusedSoNoTwoGroupsShareAKey() {
    assertThatThrownBy(() -> GroupName.of("search@pro"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without '@'");
    assertThatThrownBy(() -> new GroupName("search", "a@b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new GroupName("search", ""))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
