from django.apps import AppConfig


class RecordingsConfig(AppConfig):
    name = "recordings"

    def ready(self):
        from meetings import signals
        from recordings import composer

        # A finished recording (and a failed one: its files play up to the failure) is composed in the background.
        signals.recording_finished.connect(composer.on_recording_finished, dispatch_uid="recordings.compose.done")
        signals.recording_failed.connect(composer.on_recording_finished, dispatch_uid="recordings.compose.failed")
