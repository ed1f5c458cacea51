package dev.sluice.server.gateway;

import dev.sluice.core.Decision;
import dev.sluice.core.Sluice;

/**
 * One request as the access log records it, gathered on the connection's event loop and formatted
 * on the log's own thread ({@link AccessLog}). What may be personal or secret is still raw here
 * (the client address, the referrer, the headers' values): {@link AccessRedaction} and the format
 * decide what of it is written.
 *
 * @param startMillis when the request's head arrived, in milliseconds since the epoch
 * @param client the client address the policy counted (the peer, or from X-Forwarded-For when the
 *     peer is a trusted proxy)
 * @param method the method, canonical when it could be read
 * @param path the path, canonical when it could be read, never with its query string
 * @param protocol {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param status the status the client got; {@code 499} when it left before its answer began
 * @param bytes the answer's body bytes written to the client
 * @param decisionNanos time to decide, or -1 if not decided
 * @param upstreamNanos time from forwarding to the upstream's answer's head, or -1
 * @param totalNanos time from the request's head to its answer's end
 * @param decision the decision, or {@code null} if the request was answered before one (its rule,
 *     outcome and the fingerprint of the identity it counted are read from it on the log's thread)
 * @param referer the {@code Referer} header, or {@code null}
 * @param userAgent the {@code User-Agent} header, or {@code null}
 * @param engine the engine in force for the request (for its policy and identity secret)
 */
record AccessEntry(
    long startMillis,
    String client,
    String method,
    String path,
    String protocol,
    int status,
    long bytes,
    long decisionNanos,
    long upstreamNanos,
    long totalNanos,
    Decision decision,
    String referer,
    String userAgent,
    Sluice engine) {}
