package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestTest {
  private static final List<String> FIELDS = PolicyReader.FIELDS;

  @Test
  void oneLetterMissing_isFound() {
    assertThat(Suggest.nearest("heders", FIELDS)).isEqualTo("headers");
  }

  @Test
  void swappedLetters_countAsOneEdit() {
    assertThat(Suggest.distance("haeders", "headers")).isEqualTo(1);
    assertThat(Suggest.nearest("haeders", FIELDS)).isEqualTo("headers");
  }

  @Test
  void caseIsIgnored() {
    assertThat(Suggest.nearest("Rules", FIELDS)).isEqualTo("rules");
  }

  @Test
  void prefixOfALongerWord_isFound() {
    assertThat(Suggest.nearest("token", LimitReader.ALGORITHMS)).isEqualTo("token-bucket");
  }

  @Test
  void unrelatedWord_hasNoSuggestion() {
    assertThat(Suggest.nearest("window", FIELDS)).isNull();
    assertThat(Suggest.nearest("z", List.of("x"))).isNull();
  }

  @Test
  void nearestWins() {
    assertThat(Suggest.nearest("minite", List.of("minute", "minutes"))).isEqualTo("minute");
  }
}
