from __future__ import annotations


class QuestionError(Exception):
    """A question step that cannot be done; the message is for the person at the screen (Vietnamese)."""
