"""static/js/sfu.js under Node: the page asks for everyone's audio and only the videos on screen, each at the
simulcast layer its tile needs (tests/js/sfu_cases.mjs)."""

import pytest

from tests.signalling.test_the_browser_core_under_node import browser_modules, run_node  # noqa: F401


def cases(folder):
    return run_node(folder, "sfu_cases.mjs")


@pytest.mark.parametrize("name", [
    "a tile under 180 px gets the smallest layer, up to 360 the middle one, above it the largest",
    "everyone's audio and shared screen, and the camera video of the visible only",
    "the server's talking events mark who speaks, and the stage follows the others even while we talk over them",
    "a shared screen asks for no simulcast layer, a camera does",
    "each video gets its tile's layer under the congestion cap, and a screen is never capped",
    "the client subscribes to the visible videos and follows the page as it scrolls",
    "a resume whose media the server kept keeps both connections and signals over the new client only",
    "a resume whose media the server dropped starts both connections over",
])
def test_the_sfu_client(browser_modules, name):  # noqa: F811
    results = cases(browser_modules)
    assert name in results, sorted(results)
    assert results[name] is None, results[name]
