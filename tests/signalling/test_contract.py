"""One contract: signalling/contract.py, and docs/protocol.md, the server and the browsers held to it."""

import re
from pathlib import Path

from signalling import contract, protocol
from signalling.consumers import CLOSING_NOTICES

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")


def table_after(heading):
    """Return the rows (lists of cells, backticks stripped) of the first table under a heading of protocol.md."""
    rest = DOC[DOC.index(heading):]
    rows = []
    for line in rest.splitlines()[1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not line.startswith("| ---"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
        elif rows and not line.startswith("|"):
            break
    return rows[1:]  # without the header


def test_the_close_code_table_of_the_docs_is_the_contract():
    documented = {(int(code), name, reconnect, seat, rejoin)
                  for code, name, _, reconnect, seat, rejoin in table_after("### Close codes")}
    assert documented == {(c.code, c.name, c.reconnect, "gone" if c.seat_gone else "kept", "yes" if c.rejoin else "no")
                          for c in contract.CLOSE_CODES}


def test_every_close_code_the_server_sends_is_one_an_application_may_send():
    # autobahn (under daphne) refuses any other code, and the socket then dies without its error or code.
    for name, code in contract.CLOSE_CODE_BY_NAME.items():
        assert code == 1000 or 3000 <= code <= 4999, f"{name} closes with {code}"


def test_every_refusal_the_server_raises_has_a_close_code():
    raised = set()
    for path in (REPO / "signalling").glob("*.py"):
        raised |= set(re.findall(r'ProtocolError\(\s*"([a-z-]+)"', path.read_text()))
    raised |= {code for code, _ in CLOSING_NOTICES.values()}
    raised |= set(re.findall(r'TokenError\(\s*"([a-z-]+)"', (REPO / "meetings" / "tokens.py").read_text()))
    assert raised, "found no refusals: the search is broken"
    assert raised <= set(contract.CLOSE_CODE_BY_NAME), raised - set(contract.CLOSE_CODE_BY_NAME)


def test_the_roles_table_of_the_docs_is_the_contract():
    documented = {role: tuple(p.strip() for p in permissions.split(",")) for role, permissions, _ in
                  table_after("## Roles and permissions")}
    assert documented == contract.ROLE_PERMISSIONS


def test_the_room_events_of_the_docs_are_the_contract():
    assert [row[0] for row in table_after("## Room state and events")] == list(contract.SEQUENCED_EVENTS)


def test_the_server_parses_every_message_the_contract_gives_rules_for():
    assert set(contract.MESSAGE_PERMISSIONS) <= set(protocol.CLIENT_MESSAGES)
    assert set(contract.LOBBY_MESSAGES) <= set(protocol.CLIENT_MESSAGES)
    for name in protocol.CLIENT_MESSAGES:
        assert f'"type": "{name}"' in DOC, f"docs/protocol.md shows no {name!r} message"


def test_the_browsers_contract_is_generated_from_this_one():
    generated = (REPO / "static" / "js" / "contract.js").read_text(encoding="utf-8")
    assert generated == contract.as_javascript(), "static/js/contract.js is stale: run `python manage.py write_contract`"
