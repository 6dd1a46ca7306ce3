"""The Web API methods the fake answers: argument checks and response shapes, as Slack does.

Each module registers its methods in `HANDLERS` with `@method(name)`: `chat` (auth.test,
chat.*, response_url), `conversations`, `files` (the external upload flow), `users`, `views`,
`apps` (Socket Mode's URL); `checks` holds the registry and the argument checks they share.
"""

from sandbox.fakeslack.methods import apps, chat, conversations, files, users, views
from sandbox.fakeslack.methods.chat import respond
from sandbox.fakeslack.methods.checks import HANDLERS, normalize_args

__all__ = [
    "HANDLERS",
    "apps",
    "chat",
    "conversations",
    "files",
    "normalize_args",
    "respond",
    "users",
    "views",
]
