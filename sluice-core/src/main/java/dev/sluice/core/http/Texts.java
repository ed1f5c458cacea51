package dev.sluice.core.http;

/** Bits of client text quoted in error messages. */
final class Texts {
  private Texts() {}

  /** {@code s}, cut to 64 characters (with {@code ...}) so an error never echoes a whole body. */
  static String shorten(String s) {
    return s.length() <= 64 ? s : s.substring(0, 61) + "...";
  }
}
