package dev.sluice.spring.boot;

import dev.sluice.overrides.OverrideException;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * An override's {@code limits} as the Actuator endpoint takes them: Actuator reads a body as flat
 * strings only, so the limits object comes as text, in the policy file's syntax (YAML's flow form,
 * of which JSON is a part): {@code {search: [500/minute, 5000/hour]}} or {@code {"search":
 * "500/minute"}}. Read here into the plain values the override book takes, which then checks them
 * exactly as the gateway's {@code /admin/overrides} does.
 */
final class LimitsText {
  /** More than any override needs; keeps a hostile body's parse small. */
  static final int MAX_CHARS = 16 * 1024;

  private LimitsText() {}

  /**
   * The value {@code text} holds (a map of rule names to limits, if well written).
   *
   * @throws OverrideException naming {@code limits} if it does not read
   */
  static Object read(String text) {
    if (text.length() > MAX_CHARS) {
      throw new OverrideException("limits", "longer than " + MAX_CHARS + " characters");
    }
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel("limits")
            .setMaxAliasesForCollections(0)
            .setAllowDuplicateKeys(false)
            .build();
    try {
      return new Load(settings).loadFromString(text);
    } catch (YamlEngineException e) {
      throw new OverrideException(
          "limits",
          "expected limits by rule name, e.g. {search: [500/minute]}: "
              + firstLine(e.getMessage()));
    }
  }

  private static String firstLine(String s) {
    int nl = s == null ? -1 : s.indexOf('\n');
    return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
  }
}
