package dev.sluice.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CSV report's fields: formulas neutralised, commas, quotes and line breaks quoted. */
class UsageReportCsvTest {
  @Test
  void formulaLeadsArePrefixed_andSpecialCharactersQuoted() {
    assertThat(UsageReport.csvField("search")).isEqualTo("search");
    assertThat(UsageReport.csvField("9f2c6a01d4e3b7a5")).isEqualTo("9f2c6a01d4e3b7a5");
    assertThat(UsageReport.csvField("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
    assertThat(UsageReport.csvField("+1")).isEqualTo("'+1");
    assertThat(UsageReport.csvField("-1-1")).isEqualTo("'-1-1");
    assertThat(UsageReport.csvField("@SUM(A1)")).isEqualTo("'@SUM(A1)");
    assertThat(UsageReport.csvField("\tx")).isEqualTo("'\tx");
    assertThat(UsageReport.csvField("a,b")).isEqualTo("\"a,b\"");
    assertThat(UsageReport.csvField("a\"b")).isEqualTo("\"a\"\"b\"");
    assertThat(UsageReport.csvField("a\nb")).isEqualTo("\"a\nb\"");
    assertThat(UsageReport.csvField("")).isEmpty();
  }

  @Test
  void csv_neutralisesTheRuleAndIdentityColumns() {
    Instant hour = Instant.parse("2030-01-01T10:00:00Z");
    String csv =
        UsageReport.csv(
            List.of(
                new UsageReport.Line(hour, "other", "-cmd", false, 3, 1),
                new UsageReport.Line(hour, "=1+1", "a,b", true, 0, 2)));

    assertThat(csv.split("\r\n"))
        .containsExactly(
            "start,identity,rule,shadow,allowed,denied",
            "2030-01-01T10:00:00Z,other,'-cmd,false,3,1",
            "2030-01-01T10:00:00Z,'=1+1,\"a,b\",true,0,2");
  }
}
