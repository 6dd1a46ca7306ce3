"""Errors meant for the person who caused them."""


class UserError(Exception):
    """Something the user can fix; `message` is shown to them as it is (mrkdwn-safe)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
