package dev.sluice.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code sluice --version}: Sluice's version (from the build) and the Java running it. */
final class Version implements IVersionProvider {

  /** The version the build stamped into {@code version.properties}, or {@code unknown}. */
  static String sluice() {
    Properties p = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    return p.getProperty("version", "unknown");
  }

  @Override
  public String[] getVersion() {
    return new String[] {
      "sluice " + sluice(), "Java ${java.version} (${java.vendor}, ${java.vm.name})"
    };
  }
}
