import Foundation
import Testing
import Synchronization
@testable import AyakaBackend

@Suite struct SnowflakeTests {
    @Test func bitLayoutAndEpoch() {
        let now: Int64 = 1_577_836_801_000 + 123_456_789
        let generator = SnowflakeGenerator(workerID: 17, datacenterID: 0, now: { now })
        let first = generator.next()
        let second = generator.next()
        #expect(first >> 22 == 123_456_789)
        #expect((first >> 17) & 0x1F == 0)
        #expect((first >> 12) & 0x1F == 17)
        #expect(first & 0xFFF == 0)
        #expect(second & 0xFFF == 1)
        let parts = SnowflakeGenerator.decompose(second)
        #expect(parts.timestamp == 123_456_789 && parts.workerID == 17 && parts.sequence == 1)
        #expect(first > 0)
    }

    @Test func defaultWorkerComesFromTheProcess() {
        let generator = SnowflakeGenerator()
        #expect(generator.workerID == Int64(getpid()) % 32)
        #expect(generator.datacenterID == 0)
        let id = generator.next()
        let age = SnowflakeGenerator.wallClockMilliseconds() - SnowflakeGenerator.epoch - (id >> 22)
        #expect((0..<5_000).contains(age))
    }

    @Test func waitsForTheNextMillisecondWhenTheSequenceOverflows() {
        let calls = Mutex(0)
        // The clock stays on one millisecond for the first 4200 reads, then moves on.
        let generator = SnowflakeGenerator(workerID: 1, now: {
            calls.withLock { count in
                count += 1
                return SnowflakeGenerator.epoch + (count <= 4200 ? 1_000 : 1_001)
            }
        })
        let ids = (0..<4097).map { _ in generator.next() }
        #expect(ids[4095] >> 22 == 1_000 && ids[4095] & 0xFFF == 4095)
        #expect(ids[4096] >> 22 == 1_001 && ids[4096] & 0xFFF == 0)
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func neverGoesBackwardsWhenTheClockDoes() {
        let time = Mutex<Int64>(SnowflakeGenerator.epoch + 50_000)
        let generator = SnowflakeGenerator(workerID: 2, now: { time.withLock { $0 } })
        let before = generator.next()
        time.withLock { $0 -= 10_000 }
        let after = (0..<5_000).map { _ in generator.next() }
        #expect(after.allSatisfy { $0 > before })
        #expect(zip(after, after.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func uniqueAcrossConcurrentTasks() async {
        let generator = SnowflakeGenerator()
        let batches = await withTaskGroup(of: [Int64].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<10_000).map { _ in generator.next() } }
            }
            return await group.reduce(into: [[Int64]]()) { $0.append($1) }
        }
        let all = batches.flatMap { $0 }
        #expect(all.count == 80_000)
        #expect(Set(all).count == 80_000)
        for batch in batches {
            #expect(zip(batch, batch.dropFirst()).allSatisfy { $0 < $1 })
        }
    }
}

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher(rounds: 1_000)

    @Test func verifiesTheRightPasswordOnly() throws {
        let stored = try hasher.hash("correct horse battery")
        #expect(stored.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(stored.split(separator: "$").count == 4)
        #expect(hasher.verify("correct horse battery", against: stored))
        #expect(!hasher.verify("correct horse batterz", against: stored))
        #expect(!hasher.verify("", against: stored))
        #expect(!stored.contains("correct"))
    }

    @Test func saltsDiffer() throws {
        let first = try hasher.hash("same password")
        let second = try hasher.hash("same password")
        #expect(first != second)
        #expect(first.split(separator: "$")[2] != second.split(separator: "$")[2])
        #expect(hasher.verify("same password", against: second))
    }

    @Test func roundsComeFromTheStoredValue() throws {
        let stored = try PasswordHasher(rounds: 2_000).hash("long enough")
        #expect(hasher.verify("long enough", against: stored))
    }

    @Test func malformedStoredValuesNeverVerify() {
        for stored in ["", "plain", "pbkdf2-sha256$x$AAAA$AAAA", "md5$1000$AAAA$AAAA", "pbkdf2-sha256$1000$!!$!!"] {
            #expect(!hasher.verify("whatever", against: stored))
        }
    }

    @Test func sessionIDsAreLongAndURLSafe() {
        let ids = (0..<1_000).map { _ in SecureToken.sessionID() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.count == 32)  // 32 × 6 = 192 random bits
            #expect(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
    }
}

@Suite struct PermissionsTests {
    @Test func namesRoundTrip() {
        let permissions = Permissions(names: ["MANAGE_GUILD", "CREATE_INVITE", "NOT_A_PERMISSION"])
        #expect(permissions == [.manageGuild, .createInvite])
        #expect(permissions.names == ["MANAGE_GUILD", "CREATE_INVITE"])
        #expect(Permissions.unknownNames(in: ["MANAGE_GUILD", "NOPE"]) == ["NOPE"])
    }

    @Test func ownerHasEverything() {
        #expect(Permissions.effective(isOwner: true, roles: []) == .all)
    }

    @Test func administratorImpliesEverything() {
        #expect(Permissions.effective(isOwner: false, roles: [[.administrator]]) == .all)
    }

    @Test func membersGetTheUnionOfTheirRoles() {
        let effective = Permissions.effective(isOwner: false, roles: [.everyoneDefault, [.manageChannels]])
        #expect(effective == [.createInvite, .manageChannels])
        #expect(!effective.contains(.manageGuild))
    }

    @Test func everyoneCanInviteByDefaultAndNothingElse() {
        #expect(Permissions.everyoneDefault.names == ["CREATE_INVITE"])
        let member = Permissions.effective(isOwner: false, roles: [.everyoneDefault])
        #expect(member.contains(.createInvite))
        #expect(!member.contains(.manageGuild) && !member.contains(.manageChannels))
    }
}
