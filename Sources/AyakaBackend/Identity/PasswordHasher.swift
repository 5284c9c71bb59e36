import Crypto
import _CryptoExtras

/// PBKDF2-HMAC-SHA256 password hashing with a 16-byte random salt.
///
/// Stored form: `pbkdf2-sha256$<rounds>$<salt, base64>$<hash, base64>`. Verification reads the rounds from the
/// stored value, so lowering ``rounds`` (tests do) never invalidates existing hashes.
struct PasswordHasher: Sendable {
    static let scheme = "pbkdf2-sha256"
    static let saltByteCount = 16
    static let hashByteCount = 32

    var rounds: Int

    init(rounds: Int) {
        precondition(rounds > 0)
        self.rounds = rounds
    }

    func hash(_ password: String) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<Self.saltByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let derived = try Self.derive(password, salt: salt, rounds: rounds)
        return [Self.scheme, String(rounds), Base64.encode(salt), Base64.encode(derived)].joined(separator: "$")
    }

    /// Constant-time comparison of the derived key with the stored one; `false` for a malformed stored value.
    func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.scheme, let storedRounds = Int(parts[1]), storedRounds > 0,
            let salt = Base64.decode(String(parts[2])), let expected = Base64.decode(String(parts[3])),
            let derived = try? Self.derive(password, salt: salt, rounds: storedRounds)
        else { return false }
        return Self.constantTimeEquals(derived, expected)
    }

    static func derive(_ password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8),
            salt: salt,
            using: .sha256,
            outputByteCount: hashByteCount,
            unsafeUncheckedRounds: rounds
        )
        return key.withUnsafeBytes { Array($0) }
    }

    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
