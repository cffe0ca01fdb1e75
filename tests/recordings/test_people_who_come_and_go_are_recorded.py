"""People who join after the recording started, leave and come back, or drop and resume, are recorded too."""

import asyncio

import pytest

from tests.recordings.conftest import assert_recorded, file_path, in_thread, until
from tests.recordings.publisher import Publisher

pytestmark = pytest.mark.slow


async def test_a_late_joiner_and_someone_who_leaves_and_comes_back_each_get_their_files(
    api, worker, recorder, media_root
):
    slug = await in_thread(api.new_room, "Comings and goings")
    alice = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host").join()
    people = [alice]
    try:
        _, recording = await in_thread(api.start, slug)
        await in_thread(api.wait_for, slug, recording["id"], {"recording"})
        await asyncio.sleep(2)
        bob = await Publisher(worker.ws_url, slug, "user:2", "Bob").join()  # joins late
        people.append(bob)
        await asyncio.sleep(2)
        await alice.leave()
        await asyncio.sleep(1)
        alice_again = await Publisher(worker.ws_url, slug, "user:1", "Alice", role="host").join()
        people.append(alice_again)
        await asyncio.sleep(3)
        await in_thread(api.stop, slug)
        recording = await in_thread(api.wait_for, slug, recording["id"], {"done", "failed"})
    finally:
        for person in people:
            await person.leave()

    assert recording["status"] == "done", recording
    files = [(f["participant_name"], f["peer_id"]) for f in recording["files"]]
    assert files == [("Alice", alice.peer_id), ("Bob", bob.peer_id), ("Alice", alice_again.peer_id)]
    first_alice, late_bob, second_alice = recording["files"]
    assert first_alice["ended_at"] < second_alice["started_at"]
    assert_recorded(file_path(media_root, slug, recording, first_alice), 4, tolerance=1.5)
    assert_recorded(file_path(media_root, slug, recording, late_bob), 6, tolerance=1.5)
    assert_recorded(file_path(media_root, slug, recording, second_alice), 3, tolerance=1.5)


async def test_someone_whose_socket_drops_and_resumes_is_offered_a_new_connection_and_recorded_on(
    api, worker, recorder, media_root
):
    slug = await in_thread(api.new_room, "Flaky network")
    bob = await Publisher(worker.ws_url, slug, "user:2", "Bob").join()
    try:
        _, recording = await in_thread(api.start, slug)
        await until(lambda: len(bob.connections) == 1)
        await asyncio.sleep(2)
        await bob.drop()
        await asyncio.sleep(0.5)
        await bob.resume()
        assert bob.welcome["resumed"]
        offers = lambda: sum(kind == "offer-from-hidden" for kind, _ in bob.events)  # noqa: E731
        await until(lambda: offers() == 2)
        await asyncio.sleep(2)
        await in_thread(api.stop, slug)
        recording = await in_thread(api.wait_for, slug, recording["id"], {"done", "failed"})
    finally:
        await bob.leave()

    assert recording["status"] == "done", recording
    assert [f["peer_id"] for f in recording["files"]] == [bob.peer_id, bob.peer_id]
    for described in recording["files"]:
        assert_recorded(file_path(media_root, slug, recording, described), 2.2, tolerance=1.5)
