package dev.sluice.server.simulate;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One run of {@code sluice simulate}: its exit code, output and error, and its JSON if any. */
record Run(int exit, String out, String err) {

  static Run of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new SimulateCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** The JSON summary, when run with {@code --json -}. */
  JsonObject json() {
    return new JsonObject(out);
  }

  JsonObject policy() {
    return json().getJsonObject("policy");
  }

  /** The figures of rule {@code name} under the proposed policy. */
  JsonObject rule(String name) {
    return find(policy().getJsonArray("rules"), "rule", name);
  }

  static JsonObject find(JsonArray a, String field, String value) {
    for (int i = 0; i < a.size(); i++) {
      if (value.equals(a.getJsonObject(i).getString(field))) {
        return a.getJsonObject(i);
      }
    }
    throw new AssertionError("no " + field + " " + value + " in " + a.encodePrettily());
  }
}
