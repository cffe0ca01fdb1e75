"""Planning a composition: where the timeline is cut and where each tile goes (recordings.compose.plan)."""

import pytest

from recordings.compose import Options, Source, plan

OPTIONS = Options(width=1280, height=720, fps=30)


def person(key, start, duration, label="audio-video", video=True, audio=True):
    return Source(key=key, path=f"/{key}.webm", name=f"P{key}", label=label, start=start, duration=duration,
                  has_video=video, has_audio=audio)


def layout_of(segment):
    return [(t.source.key, t.x, t.y, t.width, t.height) for t in segment.tiles]


def test_the_timeline_is_cut_where_people_come_and_go():
    segments = plan([person(1, 0, 10), person(2, 3, 4), person(3, 5, 5)], OPTIONS)
    assert [(s.start, s.end) for s in segments] == [(0, 3), (3, 5), (5, 7), (7, 10)]
    assert [[t.source.key for t in s.tiles] for s in segments] == [[1], [1, 2], [1, 2, 3], [1, 3]]


def test_cuts_fall_on_the_frame_grid_and_slivers_shorter_than_a_frame_vanish():
    segments = plan([person(1, 0, 5.0), person(2, 0.01, 4.996)], OPTIONS)
    assert [(s.start, s.end) for s in segments] == [(0, 5.0)]
    assert [t.source.key for t in segments[0].tiles] == [1, 2]


def test_a_gap_with_nobody_is_an_empty_segment_and_someone_who_sent_nothing_has_no_tile():
    segments = plan([person(1, 0, 2), person(2, 4, 2), person(3, 0, 6, video=False, audio=False)], OPTIONS)
    assert [(s.start, s.end, len(s.tiles)) for s in segments] == [(0, 2, 1), (2, 4, 0), (4, 6, 1)]


@pytest.mark.parametrize("count, expected", [
    (1, [(2, 2, 1276, 716)]),
    (2, [(2, 2, 636, 716), (642, 2, 636, 716)]),
    # Three: two above, one centred below.
    (3, [(2, 2, 636, 356), (642, 2, 636, 356), (322, 362, 636, 356)]),
    (4, [(2, 2, 636, 356), (642, 2, 636, 356), (2, 362, 636, 356), (642, 362, 636, 356)]),
    (5, [(3, 2, 422, 356), (429, 2, 422, 356), (855, 2, 422, 356), (216, 362, 422, 356), (642, 362, 422, 356)]),
])
def test_people_share_a_grid_in_the_order_they_came(count, expected):
    [segment] = plan([person(key, 0, 5) for key in range(1, count + 1)], OPTIONS)
    assert [tile[1:] for tile in layout_of(segment)] == expected
    assert [tile[0] for tile in layout_of(segment)] == list(range(1, count + 1))


def test_a_shared_screen_takes_the_large_place_and_the_cameras_a_column_beside_it():
    segments = plan([person(1, 0, 6), person(2, 0, 6), person(3, 2, 2, label="screen", audio=False)], OPTIONS)
    sharing = segments[1]
    assert (sharing.start, sharing.end) == (2, 4)
    screen, *cameras = sharing.tiles
    assert (screen.source.key, screen.x, screen.y, screen.width, screen.height) == (3, 2, 2, 956, 716)
    assert [(t.source.key, t.x, t.width) for t in cameras] == [(1, 962, 316), (2, 962, 316)]
    assert cameras[0].y + cameras[0].height <= cameras[1].y
    assert [t.source.key for t in segments[2].tiles] == [1, 2]  # back to the grid when the share ends


def test_the_latest_screen_is_the_large_one_and_many_cameras_fit_in_two_columns():
    sources = [person(key, 0, 5) for key in range(1, 7)]
    sources += [person(10, 0, 5, label="screen"), person(11, 1, 4, label="screen")]
    segment = plan(sources, OPTIONS)[-1]
    assert segment.tiles[0].source.key == 11
    column = segment.tiles[1:]
    assert len(column) == 7 and {t.x for t in column} == {962, 1122}
    assert all(t.x + t.width <= 1280 and t.y + t.height <= 720 for t in column)


def test_a_video_labelled_screen_with_no_picture_is_an_ordinary_tile():
    [segment] = plan([person(1, 0, 5), person(2, 0, 5, label="screen", video=False)], OPTIONS)
    assert [t.width for t in segment.tiles] == [636, 636]


def test_nothing_recorded_plans_nothing():
    assert plan([], OPTIONS) == []
    assert plan([person(1, 0, 0)], OPTIONS) == []
