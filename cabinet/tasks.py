"""django-q2 tasks of the cabinet: they take ids, are enqueued after commit, and are idempotent."""

from __future__ import annotations

from cabinet.claim import claim_code_send


def claim_code_send_task(claim_request_id: int) -> bool:
    """Send a claim request's code to the contact on file (nothing for unmatched requests)."""
    return claim_code_send(claim_request_id=claim_request_id)
