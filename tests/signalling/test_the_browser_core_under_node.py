"""The JavaScript that users run, under Node: its room-state reducer agrees with the server's, and its connection
follows the close-code table; its mesh keeps its prepared connections and leaks none."""

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from channels.db import database_sync_to_async

from signalling.contract import SEQUENCED_EVENTS
from signalling.state import apply_event
from tests.signalling.conftest import seat

REPO = Path(__file__).resolve().parents[2]
NODE = shutil.which("node") or shutil.which("nodejs") or "node"  # scripts/test installs Debian's nodejs


@pytest.fixture(scope="module")
def browser_modules(tmp_path_factory):
    """static/js/ and the harnesses in a folder Node reads as ES modules (Debian's Node 18 needs package.json)."""
    folder = tmp_path_factory.mktemp("js")
    for path in (REPO / "static" / "js").glob("*.js"):
        shutil.copy(path, folder / path.name)
    for path in (REPO / "tests" / "js").glob("*.mjs"):
        shutil.copy(path, folder / path.name)
    (folder / "package.json").write_text('{"type": "module"}')
    return folder


def run_node(folder, script, stdin=""):
    result = subprocess.run([NODE, script], cwd=folder, input=stdin, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


PEOPLE = ["p_alice", "p_bob", "p_carol", "p_dave"]


def peer(peer_id, rng, joined_at):
    hand = rng.random() < 0.2
    return {"peer_id": peer_id, "name": peer_id[2:].title(), "role": rng.choice(["host", "moderator", "participant"]),
            "joined_at": joined_at, "audio": rng.random() < 0.5, "video": rng.random() < 0.5,
            "screen": rng.random() < 0.2, "hand": hand,
            "hand_raised_at": f"2026-11-24T10:1{rng.randint(0, 9)}:00.000Z" if hand else None,
            "connected": rng.random() < 0.8}


def random_meeting(rng):
    """A room state and a run of events with the disorder the channel layer allows: repeats and stale seqs."""
    state = {"seq": 3, "room": {"slug": "k7dq-m3xa-p9wn", "name": "Review", "is_locked": False, "recording": False},
             "peers": [], "lobby_count": 0, "lobby": [], "chat": []}
    events, seq = [], 3
    for _ in range(rng.randint(1, 40)):
        kind = rng.choice(SEQUENCED_EVENTS)
        who = rng.choice(PEOPLE)
        joined_at = f"2026-11-24T10:0{rng.randint(0, 9)}:00.000Z"
        body = {
            "peer-joined": lambda: {"peer": peer(who, rng, joined_at)},
            "peer-updated": lambda: {"peer": peer(who, rng, joined_at)},
            "peer-left": lambda: {"peer_id": who, "reason": rng.choice(["left", "timeout", "removed"])},
            "room-updated": lambda: {"room": {"is_locked": rng.random() < 0.5, "name": rng.choice(["Review", "会议"])}},
            "chat": lambda: {"message": {"id": seq, "from": who, "name": who[2:], "text": f"hello {seq}",
                                         "sent_at": joined_at}},
            "lobby-updated": lambda: {"lobby_count": rng.randint(0, 3),
                                      **({"lobby": [{"peer_id": "p_eve", "name": "Eve", "joined_at": joined_at}]}
                                         if rng.random() < 0.5 else {})},
        }[kind]()
        roll = rng.random()
        number = seq + 1 if roll < 0.8 else rng.randint(0, seq)  # mostly in order; some repeated or stale
        seq = max(seq, number)
        events.append({"type": kind, "seq": number, **body})
    return {"state": state, "events": events, "chat_history": rng.choice([0, 2, 50])}


def python_states(run):
    state, states = run["state"], []
    for event in run["events"]:
        state = apply_event(state, event, run["chat_history"])
        states.append(state)
    return states


def test_the_browsers_reducer_builds_the_same_states_as_the_servers(browser_modules):
    rng = random.Random(20261204)
    runs = [random_meeting(rng) for _ in range(300)]
    javascript = run_node(browser_modules, "reduce.mjs", json.dumps(runs))
    for number, (run, js_states) in enumerate(zip(runs, javascript)):
        assert js_states == python_states(run), f"run {number} differs: {run['events']}"


@pytest.mark.django_db(transaction=True)
async def test_dave_joining_late_receives_the_state_alices_browser_built_from_the_events(
    browser_modules, peers, alice, bob, carol, django_user_model, alices_room
):
    dave = await database_sync_to_async(django_user_model.objects.create_user)("dave", "d@example.org", "pw",
                                                                               display_name="Dave")
    alice_peer = await seat(peers, alices_room, alice, state={"audio": True, "video": True})
    bob_peer = await seat(peers, alices_room, bob, state={"audio": True})
    await bob_peer.send({"type": "state", "video": True, "hand": True})
    for text in ("one", "two", "three"):
        await bob_peer.send({"type": "chat", "text": text})
    carol_peer = await seat(peers, alices_room, carol)
    await carol_peer.send({"type": "leave"})
    await alice_peer.send({"type": "lock"})
    await bob_peer.send({"type": "state", "audio": False})
    await alice_peer.send({"type": "set-role", "peer_id": bob_peer.peer_id, "role": "moderator"})
    await alice_peer.send({"type": "unlock"})
    events = []
    while not (events and events[-1]["type"] == "room-updated" and events[-1]["room"]["is_locked"] is False):
        message = await alice_peer.receive()
        if message.get("seq") is not None:
            events.append(message)
    dave_peer = await seat(peers, alices_room, dave)
    events.append(await alice_peer.receive_type("peer-joined"))

    run = {"state": alice_peer.welcome["state"], "events": events, "chat_history": 50}
    built_in_javascript = run_node(browser_modules, "reduce.mjs", json.dumps([run]))[0][-1]
    late = dave_peer.welcome["state"]
    without_lobby = {key: value for key, value in late.items() if key != "lobby"}
    assert {key: value for key, value in built_in_javascript.items() if key != "lobby"} == without_lobby
    assert [peer["name"] for peer in late["peers"]] == ["Alice", "Bob", "Dave"]
    assert late["peers"][1]["role"] == "moderator"


@pytest.fixture(scope="module")
def connection_cases(browser_modules):
    return run_node(browser_modules, "connection_cases.mjs")


CASES = [
    "a dropped socket is resumed with the saved ticket after a back-off",
    "a page holding media through the server asks to keep it when its socket drops, not when it reloads",
    "an expired token is replaced at once, without a back-off",
    "a removal ends the meeting and forgets the ticket",
    "a full room offers to try again later",
    "a password room asks for the password and joins with it",
    "a refused token request ends with the refusal, without retrying",
    "it gives up after the last back-off",
    "leaving says goodbye, forgets the ticket and never reconnects",
]


def test_every_connection_case_is_run(connection_cases):
    assert sorted(connection_cases) == sorted(CASES)


@pytest.mark.parametrize("case", CASES)
def test_the_connection(connection_cases, case):
    assert connection_cases[case] is None, connection_cases[case]


@pytest.fixture(scope="module")
def layout_cases(browser_modules):
    return run_node(browser_modules, "layout_cases.mjs")


LAYOUT_CASES = [
    "two people in a grid: the other fills the stage, the self view floats",
    "fifty people page through a grid, and only the page's peers are visible",
    "a pinned person is large and the strip pages beside them",
    "speaker view shows whoever spoke last, else the first to join",
    "a shared screen takes the stage unless someone is pinned, and its sharer counts as visible",
    "hiding the self view takes it off every page, and it cannot be pinned",
]


def test_every_layout_case_is_run(layout_cases):
    assert sorted(layout_cases) == sorted(LAYOUT_CASES)


@pytest.mark.parametrize("case", LAYOUT_CASES)
def test_the_layout(layout_cases, case):
    assert layout_cases[case] is None, layout_cases[case]


@pytest.fixture(scope="module")
def speaker_cases(browser_modules):
    return run_node(browser_modules, "speaker_cases.mjs")


SPEAKER_CASES = [
    "Carol talks alone: she has the mark and the stage at her first sample",
    "we talk over Carol: the mark is ours, the stage stays with Carol",
    "the stage moves to Bob only once he is the louder three samples in a row",
    "after a silence the mark goes, and a peer who left is forgotten",
]


def test_every_speaker_case_is_run(speaker_cases):
    assert sorted(speaker_cases) == sorted(SPEAKER_CASES)


@pytest.mark.parametrize("case", SPEAKER_CASES)
def test_the_active_speaker(speaker_cases, case):
    assert speaker_cases[case] is None, speaker_cases[case]


@pytest.fixture(scope="module")
def mesh_cases(browser_modules):
    return run_node(browser_modules, "mesh_cases.mjs")


MESH_CASES = [
    "the first offer to a newcomer is the spare's, sent as peer-joined arrives, with its candidates in it",
    "candidates the spare gathered that its offer does not hold follow the offer, those it holds do not",
    "an offer that comes while the spare's description is still being set is a collision the spare's side ignores",
    "a spare is not used towards an older peer: that peer offers, and we answer on a new connection",
    "an unused spare is closed when the mesh closes, moves through the server, or gets new ICE servers",
    "a connection that gathers nothing is started over, and the new one offers at once from the polite side",
    "a connection that keeps gathering nothing is started over twice, then left to the watchdog",
    "the data-only mesh makes no spare",
    "a device switch replaces the spare's track",
    "a newcomer's early connection goes to its first link with the welcome's ICE servers, and waits for the offer",
    "an early connection that no longer sends the page's tracks is closed, not used",
    "in an empty room the early connection becomes the spare",
]


def test_every_mesh_case_is_run(mesh_cases):
    assert sorted(mesh_cases) == sorted(MESH_CASES)


@pytest.mark.parametrize("case", MESH_CASES)
def test_the_mesh_keeps_its_prepared_connections_and_leaks_none(mesh_cases, case):
    assert mesh_cases[case] is None, mesh_cases[case]


@pytest.mark.parametrize("name", sorted(path.name for path in (REPO / "static" / "js").glob("*.js")))
def test_every_page_script_parses_as_a_module(browser_modules, name):
    # The DOM modules never run under Node, but a script that does not parse stops the whole page (a merge once
    # left room.js without a closing brace, and Join now never came on).
    result = subprocess.run([NODE, "--check", str(browser_modules / name)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
