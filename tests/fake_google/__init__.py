"""A fake Google Workspace over real HTTP, for the real google-api-python-client code.

`FakeGoogle` holds the state (documents, files and permissions, events, sent messages, the
directory) that tests assert on; `running_fake_google` serves it on a free local port. It
speaks Google's REST paths and error bodies, checks the service account's signed JWT at its
token endpoint, and can be told to fail the next calls to one API (`fail_next`).
"""

from tests.fake_google.server import FakeGoogle, Fault, Grant, google_error, running_fake_google

__all__ = ["FakeGoogle", "Fault", "Grant", "google_error", "running_fake_google"]
