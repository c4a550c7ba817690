"""How an integration says a call failed, so the worker can tell Temporal whether to retry.

Integrations know nothing of Temporal: they raise `IntegrationFailure`, and the worker's
activity interceptor (`activities/failures.py`) turns it into an `ApplicationError`.
"""

from __future__ import annotations

from datetime import timedelta


class IntegrationFailure(Exception):
    """A call to the outside world failed.

    `retryable` failures (a rate limit, a server error, no connection) go away by themselves;
    the others need a person to fix the setup, and `message` says what to fix.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        retryable: bool,
        retry_after: timedelta | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status
        """The HTTP status the service answered, where it answered: a caller may expect one
        (a 404 for something already deleted, say)."""
