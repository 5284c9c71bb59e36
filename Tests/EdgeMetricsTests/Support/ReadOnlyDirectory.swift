import Foundation

/// Makes a directory unwritable for this process, and writable again.
enum ReadOnlyDirectory {
    /// True when the directory is now unwritable: `chmod 555` as an ordinary user, `chattr +i` as root.
    static func make(_ path: String) -> Bool {
        if geteuid() != 0 { return chmod(path, 0o555) == 0 }
        guard run("/usr/bin/chattr", ["+i", path]) else { return false }
        // Confirm: the attribute is refused silently on some file systems.
        let probe = path + "/probe"
        if FileManager.default.createFile(atPath: probe, contents: Data()) {
            try? FileManager.default.removeItem(atPath: probe)
            restore(path)
            return false
        }
        return true
    }

    static func restore(_ path: String) {
        if geteuid() != 0 {
            _ = chmod(path, 0o755)
        } else {
            _ = run("/usr/bin/chattr", ["-i", path])
        }
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }
}
