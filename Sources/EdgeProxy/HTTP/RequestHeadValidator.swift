import NIOHTTP1

/// Framing checks the parser leaves to us, against request smuggling (RFC 9112 section 6.3):
/// one body length, stated one way.
enum RequestHeadValidator {
    enum Problem: Error, Equatable {
        case contentLengthAndTransferEncoding
        case duplicateContentLength
        case invalidContentLength
        case unsupportedTransferEncoding
        /// TRACE carries no content (RFC 9110 section 9.3.8).
        case bodyNotAllowed
    }

    /// How the request's body is framed.
    enum Body: Equatable {
        case none
        /// `Content-Length`.
        case length(Int)
        /// `Transfer-Encoding: chunked`; `Transfer-Encoding` is hop-by-hop, so the upstream request says it
        /// again (`ForwardedHeaders.upstreamRequest`) whatever the method.
        case chunked

        /// The declared length: nil when chunked or absent.
        var declaredLength: Int? {
            if case .length(let length) = self { return length }
            return nil
        }
    }

    static func validate(_ head: HTTPRequestHead) -> Result<Body, Problem> {
        let lengths = head.headers[canonicalForm: "content-length"]
        let codings = head.headers[canonicalForm: "transfer-encoding"]
        if !lengths.isEmpty, !codings.isEmpty { return .failure(.contentLengthAndTransferEncoding) }
        if !codings.isEmpty {
            // Only plain `chunked` is accepted: anything else cannot be framed safely.
            guard codings.count == 1, codings[0].lowercased() == "chunked" else {
                return .failure(.unsupportedTransferEncoding)
            }
            return head.method == .TRACE ? .failure(.bodyNotAllowed) : .success(.chunked)
        }
        guard let first = lengths.first else { return .success(.none) }
        guard lengths.count == 1 else { return .failure(.duplicateContentLength) }
        guard !first.isEmpty, first.utf8.count <= 18, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let length = Int(first)
        else { return .failure(.invalidContentLength) }
        if head.method == .TRACE, length > 0 { return .failure(.bodyNotAllowed) }
        return .success(.length(length))
    }
}
