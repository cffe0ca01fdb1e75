from tests.signalling.conftest import alices_room, fresh_housekeeping, members_room, peers  # noqa: F401
