package dev.sluice.config;

import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Turns YAML text into SnakeYAML Engine's node graph, whose every node knows its line and column,
 * and turns SnakeYAML's syntax errors into located {@link PolicyException}s.
 *
 * <p>The composer is built by hand ({@code StreamReader -> ParserImpl -> Composer}) rather than
 * through {@code api.lowlevel.Compose}: SnakeYAML Engine 3 does not export that package from its
 * module, and the three classes it wraps are exported.
 */
final class Yaml {
  private Yaml() {}

  /**
   * The single document of {@code text}; fails if it is not valid YAML, holds several documents, or
   * holds none (empty, or comments only).
   */
  static Node compose(String text, String source) {
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(source)
            .setUseMarks(true)
            .setAllowRecursiveKeys(false)
            .setMaxAliasesForCollections(50)
            // A list or mapping as a key ([a]: 1) reaches Fields, which reports it where it is
            // written; refused here, it was "Non scalar key is detected" at line 1.
            .setAllowNonScalarKeys(true)
            .build();
    Optional<Node> document;
    try {
      StreamReader reader = new StreamReader(settings, text);
      document = new Composer(settings, new ParserImpl(settings, reader)).getSingleNode();
    } catch (MarkedYamlEngineException e) {
      Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
      int line = mark.map(m -> m.getLine() + 1).orElse(1);
      int column = mark.map(m -> m.getColumn() + 1).orElse(1);
      throw new PolicyException(source, line, column, "", "invalid YAML: " + describe(e));
    } catch (ReaderException e) {
      int[] lc = lineAndColumn(text, e.getPosition());
      throw new PolicyException(
          source,
          lc[0],
          lc[1],
          "",
          String.format(
              "invalid YAML: character U+%04X cannot appear in a YAML file", e.getCodePoint()));
    } catch (YamlEngineException e) {
      throw new PolicyException(source, 1, 1, "", "invalid YAML: " + e.getMessage());
    } catch (StackOverflowError e) {
      // SnakeYAML composes recursively and has no depth limit; a policy is never this deep.
      throw new PolicyException(
          source, 1, 1, "", "the YAML is nested far too deeply to be a policy");
    }
    if (document.isEmpty() || isNull(document.get())) {
      throw new PolicyException(
          source,
          1,
          1,
          "",
          "the file is empty; a policy needs at least 'global:' limits or 'rules:', e.g."
              + " global: {limits: [100/minute]}");
    }
    return document.get();
  }

  /** Whether {@code node} is YAML's null: an empty value, {@code ~} or {@code null}. */
  static boolean isNull(Node node) {
    return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
  }

  private static String describe(MarkedYamlEngineException e) {
    String problem = e.getProblem() == null ? "syntax error" : e.getProblem().trim();
    if (problem.contains("found another document")) {
      return "a policy file holds one YAML document; remove the '---' that starts another";
    }
    String context = e.getContext();
    return context == null || context.isBlank() ? problem : context.trim() + ": " + problem;
  }

  /** The 1-based line and column of code point {@code index} of {@code text}. */
  private static int[] lineAndColumn(String text, int index) {
    int line = 1;
    int column = 1;
    for (int i = 0, cp = 0; i < text.length() && cp < index; cp++) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      if (c == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return new int[] {line, column};
  }
}
