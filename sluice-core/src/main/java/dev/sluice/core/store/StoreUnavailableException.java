package dev.sluice.core.store;

/**
 * Thrown by a {@link Store} (or used to complete {@link Store#chargeAsync} exceptionally) when it
 * cannot answer in time: its backend is down, slower than its timeout, or failing over. Nothing can
 * be assumed charged. The engine then applies the policy's {@code on-store-failure} mode (allow,
 * deny with 503, or count in memory) instead of failing the request.
 */
public class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreUnavailableException(String message) {
    super(message);
  }
}
