"""How a failed LLM call is described in the log: its type and a redacted message, no traceback.

Provider clients put request details in their exceptions and tracebacks (headers included, so
the API key), so neither is logged as it is.
"""

from __future__ import annotations

from pydantic import SecretStr

MESSAGE_CHARS = 300


def describe_provider_error(exc: BaseException, api_key: SecretStr | None) -> str:
    secret = api_key.get_secret_value() if api_key is not None else ""
    message = str(exc)
    if secret:
        message = message.replace(secret, "***")
    return f"{type(exc).__name__}: {message[:MESSAGE_CHARS]}"
