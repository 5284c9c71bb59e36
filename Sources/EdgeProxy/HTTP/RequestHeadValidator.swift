import NIOHTTP1

/// Framing checks the parser leaves to us, against request smuggling (RFC 9112 section 6.3):
/// one body length, stated one way.
enum RequestHeadValidator {
    enum Problem: Error, Equatable {
        case contentLengthAndTransferEncoding
        case duplicateContentLength
        case invalidContentLength
        case unsupportedTransferEncoding
    }

    /// The declared body length: nil when chunked or absent.
    static func validate(_ head: HTTPRequestHead) -> Result<Int?, Problem> {
        let lengths = head.headers[canonicalForm: "content-length"]
        let codings = head.headers[canonicalForm: "transfer-encoding"]
        if !lengths.isEmpty, !codings.isEmpty { return .failure(.contentLengthAndTransferEncoding) }
        if !codings.isEmpty {
            // Only plain `chunked` is accepted: anything else cannot be framed safely.
            guard codings.count == 1, codings[0].lowercased() == "chunked" else {
                return .failure(.unsupportedTransferEncoding)
            }
            return .success(nil)
        }
        guard let first = lengths.first else { return .success(nil) }
        guard lengths.count == 1 else { return .failure(.duplicateContentLength) }
        guard !first.isEmpty, first.utf8.count <= 18, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let length = Int(first)
        else { return .failure(.invalidContentLength) }
        return .success(length)
    }
}
