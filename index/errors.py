"""Typed errors of the index layer; each message names the fix a user can apply."""

from __future__ import annotations


class IndexError_(Exception):  # avoids shadowing the builtin IndexError
    """Base of all index errors."""


class IndexMissingError(IndexError_):
    def __init__(self, path: str) -> None:
        super().__init__(f"No index at {path}. Build it with: newsbot index")


class CorruptIndexError(IndexError_):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            f"The index at {path} is corrupt or unreadable ({detail}). "
            "Rebuild it with: newsbot index --rebuild"
        )


class IncompatibleIndexError(IndexError_):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            f"The index at {path} was built differently ({detail}); vectors of two embedders "
            "cannot be mixed. Rebuild it with: newsbot index --rebuild"
        )


class OutdatedIndexError(IncompatibleIndexError):
    """A generation in an older format; `newsbot index` re-embeds it without `--rebuild`."""

    def __init__(self, path: str, version: int) -> None:
        IndexError_.__init__(
            self,
            f"The index at {path} is in an older format ({version}). "
            "Update it with: newsbot index (it re-embeds everything once)",
        )


class ModelNotProvisionedError(IndexError_):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"The embedding model is not provisioned at {path}. Run: newsbot provision "
            "(make run / make test do it for you)"
        )
