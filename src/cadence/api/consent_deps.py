"""What consent routes and pages need from the request: the link signer and the clock."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cadence.config import Settings
from cadence.consent.links import Links, signing_key


def links(request: Request) -> Links:
    """Sign links under the configured public URL, else the URL this request came to."""
    settings: Settings = request.app.state.settings
    base = settings.base_url or str(request.base_url)
    return Links(key=signing_key(secret=request.app.state.secret_key), base_url=base.rstrip("/"))


LinkSigner = Annotated[Links, Depends(links)]
