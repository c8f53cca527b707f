"""The one error type a user is meant to read."""


class UserError(Exception):
    """Bad input: a one-line message naming the problem and the fix.

    The CLI prints it as `error: <message>` and exits with code 2, never with
    a traceback. Raise it only for things the user can fix (data, config,
    paths); bugs in tfft stay ordinary exceptions.
    """

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def first_line(error: Exception, limit: int = 300) -> str:
    """The first line of an exception's message, for a one-line UserError."""
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:limit]
