package dev.sluice.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * A response the client made up from the cache: a stored body, served fresh or after a 304, that
 * reads as the 200 it stands for. {@code sslSession} is that of the 304, if any.
 */
final class SyntheticResponse<T> implements HttpResponse<T> {
  private final HttpRequest request;
  private final int status;
  private final HttpHeaders headers;
  private final T body;
  private final HttpClient.Version version;
  private final SSLSession sslSession;

  SyntheticResponse(
      HttpRequest request,
      int status,
      HttpHeaders headers,
      T body,
      HttpClient.Version version,
      SSLSession sslSession) {
    this.request = request;
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.version = version;
    this.sslSession = sslSession;
  }

  @Override
  public int statusCode() {
    return status;
  }

  @Override
  public HttpRequest request() {
    return request;
  }

  @Override
  public Optional<HttpResponse<T>> previousResponse() {
    return Optional.empty();
  }

  @Override
  public HttpHeaders headers() {
    return headers;
  }

  @Override
  public T body() {
    return body;
  }

  @Override
  public Optional<SSLSession> sslSession() {
    return Optional.ofNullable(sslSession);
  }

  @Override
  public URI uri() {
    return request.uri();
  }

  @Override
  public HttpClient.Version version() {
    return version;
  }

  @Override
  public String toString() {
    return "(" + request.method() + " " + request.uri() + ") " + status + " (from cache)";
  }
}
