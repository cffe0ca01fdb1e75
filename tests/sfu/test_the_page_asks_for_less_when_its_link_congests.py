"""static/js/congestion.js under Node: a receiver whose link loses packets caps the simulcast layers it asks for,
quickly, and climbs back one step at a time after calm spells, waiting longer after each climb that failed
(tests/js/congestion_cases.mjs). tests/sfu/test_a_congested_receiver_gets_a_smaller_layer.py does it for real."""

import pytest

from tests.signalling.test_the_browser_core_under_node import browser_modules, run_node  # noqa: F401

CASES = [
    "a clean link keeps the largest layer",
    "loss over two seconds drops a step within three, and the bitrate can take it lower at once",
    "a layer change is given time to settle before the next drop",
    "freezes with some loss are congestion; a freeze without loss is not (a camera turned back on)",
    "it holds while the link stays poor and climbs one step after ten calm seconds",
    "a climb that fails is undone and the next one waits twice as long, then four times",
    "a packet lost now and then does not keep it from climbing",
    "it only climbs for a tile that wants more, and drops from what is received",
    "the cap that fits the measured bitrate counts every tile at its own layer",
    "a video that comes or goes between samples counts for nothing",
    "only received camera videos are read from a report",
]


@pytest.fixture(scope="module")
def congestion_cases(browser_modules):  # noqa: F811
    return run_node(browser_modules, "congestion_cases.mjs")


def test_every_congestion_case_is_run(congestion_cases):
    assert sorted(congestion_cases) == sorted(CASES)


@pytest.mark.parametrize("case", CASES)
def test_the_congestion_monitor(congestion_cases, case):
    assert congestion_cases[case] is None, congestion_cases[case]
