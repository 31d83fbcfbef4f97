"""Errors that tell the user what to do next."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message is written for a person and names the fix."""

    status_code = 500


class InputError(AssistantError):
    """The request or document given to us is malformed."""

    status_code = 400


class ParseError(AssistantError):
    """The plan document does not have the structure the parser expects."""

    status_code = 422


class IndexMissingError(AssistantError):
    """The built index is missing or corrupt; `assistant ingest` rebuilds it."""

    status_code = 503


class BackendUnavailableError(AssistantError):
    """An optional backend (Chroma server, LLM, sentence-transformers) is not reachable or installed."""

    status_code = 503


class UnauthorizedError(AssistantError):
    """A protected route was called without credentials."""

    status_code = 401


class ForbiddenError(AssistantError):
    """The credentials given do not grant this route."""

    status_code = 403


class NotFoundError(AssistantError):
    """A record the request names (a source id, say) does not exist."""

    status_code = 404


class NotReadyError(AssistantError):
    """The service is still loading (or building) its index; retry shortly."""

    status_code = 503
