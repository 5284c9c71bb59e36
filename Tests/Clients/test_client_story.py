"""The seed's client code, used as written: `requests` for REST and `/available`, `websockets` for the
gateway with its own ping_interval=20 / ping_timeout=20 keepalive, all through ayaka-edge."""
import asyncio
import json

import requests
from websockets import client

from conftest import sign_up


async def next_event(ws, name, timeout=10):
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message["t"] == name:
            return message


def test_available_names_the_proxy(edge):
    r = requests.get(edge.gateway_http + "/available")
    d = r.json()
    assert r.status_code == 200
    assert d["name"] == "production-1"
    assert d["port"] == edge.ports["gateway"]
    assert d["url"] == f"ws://127.0.0.1:{edge.ports['gateway']}"


def test_login_and_rate_limit_headers(edge):
    user, _ = sign_up(edge, "login")
    r = requests.post(edge.rest + "/users/@me/sessions", json={"email": user["email"], "password": "wrong password"})
    assert r.status_code == 401
    r = requests.post(edge.rest + "/users/@me/sessions",
                      json={"email": user["email"], "password": "correct horse battery"})
    assert r.status_code == 201
    session = r.json()["session_id"]
    me = requests.get(edge.rest + "/users/@me", headers={"Authorization": session})
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Retry-After"):
        assert header in me.headers


def test_whole_story_through_the_gateway(edge):
    alice, alice_session = sign_up(edge, "alice")
    bob, bob_session = sign_up(edge, "bob")

    async def story():
        r = requests.get(edge.gateway_http + "/available")
        d = r.json()
        # As in the seed: connect to the announced port, send the session id, read events.
        ws_alice = await client.connect(f"ws://127.0.0.1:{d['port']}", ping_interval=20, ping_timeout=20)
        ws_bob = await client.connect(f"ws://127.0.0.1:{d['port']}", ping_interval=20, ping_timeout=20)
        await ws_alice.send(json.dumps({"session_id": alice_session}))
        await ws_bob.send(json.dumps({"session_id": bob_session, "encoding": "json"}))
        ready = await next_event(ws_alice, "READY")
        assert ready["d"]["user"]["id"] == alice["id"]
        assert ready["d"]["session_id"] == alice_session
        assert ready["d"]["guilds"] == []
        await next_event(ws_bob, "READY")

        # A library-level ping round trip through the proxy's ping relay.
        pong_waiter = await ws_alice.ping()
        await asyncio.wait_for(pong_waiter, 10)

        guild = requests.post(edge.rest + "/guilds", json={"name": "Story Guild"},
                              headers={"Authorization": alice_session})
        assert guild.status_code == 201, guild.text
        guild_id = guild.json()["id"]
        created = await next_event(ws_alice, "GUILD_CREATE")
        assert created["d"]["id"] == guild_id

        invite = requests.post(edge.rest + f"/guilds/{guild_id}/invites", headers={"Authorization": alice_session})
        assert invite.status_code == 201, invite.text
        code = invite.json()["code"]
        await next_event(ws_alice, "INVITE_CREATE")

        joined = requests.post(edge.rest + f"/invites/{code}", headers={"Authorization": bob_session})
        assert joined.status_code == 200, joined.text
        assert joined.json()["user"]["id"] == bob["id"]
        join_event = await next_event(ws_bob, "GUILD_JOIN")
        assert join_event["d"]["id"] == guild_id
        notification = await next_event(ws_alice, "NOTIFICATION")
        assert notification["t"] == "NOTIFICATION"

        await ws_bob.send(json.dumps({"t": "PRESENCE_UPDATE", "d": {"type": 1, "description": "testing"}}))
        presence = await next_event(ws_alice, "PRESENCE_UPDATE")
        assert presence["id"] == bob["id"]
        assert presence["d"]["description"] == "testing"

        # Member editing is refused with the seed's 203; the owner's edit is seen by the member.
        refused = requests.patch(edge.rest + f"/guilds/{guild_id}", json={"name": "Bob's"},
                                 headers={"Authorization": bob_session})
        assert refused.status_code == 203
        edited = requests.patch(edge.rest + f"/guilds/{guild_id}", json={"name": "Renamed"},
                                headers={"Authorization": alice_session})
        assert edited.status_code == 200
        update = await next_event(ws_bob, "GUILD_UPDATE")
        assert update["d"]["name"] == "Renamed"

        await ws_alice.close()
        await ws_bob.close()
        assert ws_alice.close_code == 1000

    asyncio.run(story())


def test_zlib_encoding_through_the_proxy(edge):
    import zlib
    _, session = sign_up(edge, "zlib")

    async def run():
        ws = await client.connect(f"ws://127.0.0.1:{edge.ports['gateway']}", ping_interval=20, ping_timeout=20)
        await ws.send(json.dumps({"session_id": session, "encoding": "zlib"}))
        frame = await asyncio.wait_for(ws.recv(), 10)
        assert isinstance(frame, bytes)
        ready = json.loads(zlib.decompress(frame))
        assert ready["t"] == "READY"
        await ws.close()

    asyncio.run(run())


def test_bad_session_is_closed_with_4004(edge):
    async def run():
        ws = await client.connect(f"ws://127.0.0.1:{edge.ports['gateway']}", ping_interval=20, ping_timeout=20)
        await ws.send(json.dumps({"session_id": "not-a-session"}))
        try:
            await asyncio.wait_for(ws.recv(), 10)
        except Exception:
            pass
        await asyncio.wait_for(ws.wait_closed(), 10)
        assert ws.close_code == 4004

    asyncio.run(run())
