/// Unguessable tokens: session ids and invite codes.
enum SecureToken {
    private static let urlSafeAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let inviteAlphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".utf8)

    /// A session id: 192 random bits as 32 url-safe base64 characters (no padding).
    static func sessionID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        // 32 symbols of 6 bits each.
        for _ in 0..<32 {
            bytes.append(urlSafeAlphabet[Int(generator.next() & 63)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An invite code: 10 characters from an alphabet without look-alikes (about 58 bits).
    static func inviteCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<10).map { _ in inviteAlphabet[Int.random(in: 0..<inviteAlphabet.count, using: &generator)] }
        return String(decoding: bytes, as: UTF8.self)
    }
}
