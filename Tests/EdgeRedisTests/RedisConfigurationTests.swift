import Testing

@testable import EdgeRedis

@Suite("Redis URL and configuration")
struct RedisConfigurationTests {
    @Test("host, port and database")
    func basic() throws {
        let configuration = try RedisConfiguration(url: "redis://127.0.0.1:6390/2")
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 6390)
        #expect(configuration.database == 2)
        #expect(configuration.username == nil && configuration.password == nil)
        #expect(configuration.description == "redis://127.0.0.1:6390/2")
        #expect(try RedisConfiguration(url: "redis://[::1]:6379").description == "redis://[::1]:6379/0")
    }

    @Test("credentials are parsed, percent-decoded and never shown")
    func credentials() throws {
        let both = try RedisConfiguration(url: "redis://edge:p%40ss:word@cache.internal:6379/0")
        #expect(both.username == "edge")
        #expect(both.password == "p@ss:word")
        #expect(both.description == "redis://edge:***@cache.internal:6379/0")
        #expect(!"\(both)".contains("p@ss"))
        #expect(!String(reflecting: both).contains("p@ss"))
        let passwordOnly = try RedisConfiguration(url: "redis://:secret@h:1/0")
        #expect(passwordOnly.username == nil && passwordOnly.password == "secret")
        #expect(passwordOnly.description == "redis://:***@h:1/0")
    }

    @Test("AYAKA_EDGE_REDIS_PASSWORD supplies or overrides the password")
    func environmentPassword() throws {
        let environment = ["AYAKA_EDGE_REDIS_PASSWORD": "from-env"]
        #expect(try RedisConfiguration(url: "redis://h:1/0", environment: environment).password == "from-env")
        #expect(try RedisConfiguration(url: "redis://:url@h:1/0", environment: environment).password == "from-env")
        #expect(
            try RedisConfiguration(url: "redis://:url@h:1/0", environment: ["AYAKA_EDGE_REDIS_PASSWORD": ""]).password
                == "url")
    }

    @Test(
        "invalid URLs say what is expected",
        arguments: ["http://h:1", "redis://h", "redis://h:0/0", "redis://h:1/x", "redis://:1/0"])
    func invalid(url: String) {
        #expect(throws: RedisClientError.self) { try RedisConfiguration(url: url) }
    }
}
