package dev.sluice.core.http;

/** One response header. */
public record Header(String name, String value) {}
