import Testing
@testable import EdgeCore

@Suite struct RouteTableTests {
    let table = RouteTable(routes: EdgeConfig.defaultRoutes, defaultRule: rule("default", 30, .seconds(10)))

    func name(_ method: String, _ path: String) -> String { table.match(method: method, path: path[...]).name }

    @Test func matchesLiteralRoutesByMethod() {
        #expect(name("POST", "/users/@me") == "users.create")
        #expect(name("GET", "/users/@me") == "users.get")
        #expect(name("PATCH", "/users/@me") == "users.edit")
        #expect(name("POST", "/users/@me/sessions") == "users.login")
        #expect(name("POST", "/guilds") == "guilds.create")
    }

    @Test func parametersMatchOneNonEmptySegment() {
        #expect(name("GET", "/guilds/123") == "guilds.get")
        #expect(name("GET", "/guilds/123/preview") == "guilds.preview")
        #expect(name("POST", "/guilds/1/invites") == "invites.create")
        #expect(name("POST", "/invites/abc") == "invites.join")
        #expect(name("GET", "/guilds//preview") == "default")
        #expect(name("GET", "/guilds/1/2") == "default")
    }

    @Test func unmatchedGivesDefaultAtIndexZero() {
        let match = table.match(method: "DELETE", path: "/users/@me")
        #expect(match == table.defaultMatch)
        #expect(match.index == 0 && match.name == "default" && match.isDefault)
        #expect(name("GET", "/nope") == "default")
        #expect(name("GET", "") == "default")
        #expect(name("get", "/users/@me") == "default")
    }

    @Test func indicesFollowConfigOrder() {
        for (offset, route) in EdgeConfig.defaultRoutes.enumerated() {
            let path = route.path.replacingOccurrences("{guild_id}", "7").replacingOccurrences("{invite_code}", "x")
            let match = table.match(method: route.method!, path: path[...])
            #expect(match.index == offset + 1)
            #expect(table.rule(at: match.index) == route.rule)
        }
        #expect(table.count == EdgeConfig.defaultRoutes.count + 1)
    }

    @Test func literalSegmentBeatsParameterWhateverTheOrder() {
        let routes = [
            RouteRule(method: "GET", path: "/guilds/{id}", rule: rule("guilds.get", 1, .seconds(1))),
            RouteRule(method: "GET", path: "/guilds/@me", rule: rule("guilds.mine", 1, .seconds(1))),
            RouteRule(method: nil, path: "/{a}/x", rule: rule("any.x", 1, .seconds(1))),
            RouteRule(method: nil, path: "/guilds/{id}/x", rule: rule("guilds.x", 1, .seconds(1))),
        ]
        let table = RouteTable(routes: routes, defaultRule: rule("default", 1, .seconds(1)))
        #expect(table.match(method: "GET", path: "/guilds/@me").name == "guilds.mine")
        #expect(table.match(method: "GET", path: "/guilds/42").name == "guilds.get")
        #expect(table.match(method: "PUT", path: "/users/x").name == "any.x")
        #expect(table.match(method: "PUT", path: "/guilds/x").name == "any.x")
        #expect(table.match(method: "PUT", path: "/guilds/9/x").name == "guilds.x")
    }

    @Test func methodlessRuleMatchesAnyMethodButSpecificMethodWins() {
        let routes = [
            RouteRule(method: nil, path: "/a/{id}", rule: rule("a.any", 1, .seconds(1))),
            RouteRule(method: "post", path: "/a/{id}", rule: rule("a.post", 1, .seconds(1))),
        ]
        let table = RouteTable(routes: routes, defaultRule: rule("default", 1, .seconds(1)))
        #expect(table.match(method: "GET", path: "/a/1").name == "a.any")
        #expect(table.match(method: "DELETE", path: "/a/1").name == "a.any")
        #expect(table.match(method: "POST", path: "/a/1").name == "a.post")
    }

    @Test func queryAndTrailingSlash() {
        #expect(name("GET", "/guilds/5?with_counts=true") == "guilds.get")
        #expect(name("GET", "/users/@me/") == "users.get")
        #expect(name("GET", "/users/@me//") == "default")
        #expect(name("GET", "users/@me") == "default")
        let root = RouteTable(
            routes: [RouteRule(method: nil, path: "/", rule: rule("root", 1, .seconds(1)))],
            defaultRule: rule("default", 1, .seconds(1)))
        #expect(root.match(method: "GET", path: "/").name == "root")
        #expect(root.match(method: "GET", path: "/x").name == "default")
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
