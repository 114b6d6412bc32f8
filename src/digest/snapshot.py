"""A digest as JSON, so that a later run can render it again.

SMTP delivery is spread over runs: a message deferred by a server outage, or
not reached because a run was killed, goes out with a later run, and each
subscriber's copy is rendered for their themes and their unsubscribe link. The
state therefore keeps what the email says (`Digest` with its theme groups and
articles), not the rendered email: templates may change between runs, the
content may not.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from digest.models import Article, Digest, ListItem, NumberedList, ThemeGroup


def digest_to_json(digest: Digest) -> str:
    """The whole digest as one JSON document."""
    data = asdict(digest)
    data["created"] = digest.created.isoformat()
    return json.dumps(data, ensure_ascii=False)


def digest_from_json(text: str) -> Digest:
    """The inverse of `digest_to_json`."""
    data = json.loads(text)
    groups = [ThemeGroup(name=g["name"], articles=[_article(a) for a in g["articles"]],
                         keywords=g["keywords"], automatic=g["automatic"]) for g in data["groups"]]
    return Digest(title=data["title"], created=datetime.fromisoformat(data["created"]), issues=data["issues"],
                  groups=groups, archive_url=data.get("archive_url"))


def _article(data: dict[str, Any]) -> Article:
    fields = dict(data)
    fields["recommendations"] = [_item(i) for i in data["recommendations"]]
    fields["points"] = [NumberedList(kind=p["kind"], items=[_item(i) for i in p["items"]], missing=p["missing"])
                        for p in data["points"]]
    return Article(**fields)


def _item(data: dict[str, Any]) -> ListItem:
    # digests stored before items carried their heading have none
    return ListItem(number=data["number"], marker=data["marker"], text=data["text"], headline=data["headline"],
                    children=[_item(c) for c in data["children"]], heading=data.get("heading", ""))
