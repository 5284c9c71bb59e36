/// Why an exchange with an upstream server failed, as the proxy reports it to `MetricsShard.recordUpstream`.
public enum UpstreamFailure: Sendable, Equatable {
    /// The TCP connection could not be opened (refused, unreachable, connect timeout).
    case connectFailed
    /// The upstream did not answer (or stalled mid-body) within `proxy.read_timeout`.
    case timeout
    /// The connection broke or the upstream sent something malformed.
    case broken
}
