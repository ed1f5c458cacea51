/** The {@code sluice} command line (and, later, the gateway): an application, exporting nothing. */
module dev.sluice.server {
  requires dev.sluice.config;
  requires info.picocli;

  // picocli reads and sets the commands' annotated fields reflectively.
  opens dev.sluice.server to info.picocli;
}
