"""What the commands that talk to the Hugging Face Hub share (`publish` writes, `verify` reads):
the kind of repo, and how to tell a network failure from the Hub's answer."""

from __future__ import annotations

REPO_TYPE = "dataset"


def network_error(error: Exception) -> bool:
    """Whether `error` comes from the HTTP client under huggingface_hub (which one depends on
    its version: httpx or requests) rather than from the Hub's answer."""
    return any(kind.__module__.split(".")[0] in {"httpx", "httpx2", "requests", "urllib3"}
               for kind in type(error).__mro__) or isinstance(error, ConnectionError | TimeoutError)


def endpoint() -> str:
    """The Hub's address huggingface_hub uses (HF_ENDPOINT, else huggingface.co)."""
    from huggingface_hub import constants

    return constants.ENDPOINT
