"""The reviewers' side of the PostgreSQL-restart fault test, run as its own process on the throwaway cluster.

`python -m tests.reliability.pg_editor STOP_FILE` builds a review with extracted data, prints
"ready", then saves a new value of one cell through the REST API every 0.2 s (as the page
does) until STOP_FILE exists, printing one JSON line per save: when, the value, the HTTP
status and the message. The test restarts PostgreSQL meanwhile.
"""

import json
import os
import sys
import time
from pathlib import Path


def main(stop_file: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections
    from django.urls import reverse
    from rest_framework.test import APIClient

    from reviews import services
    from reviews.models import Role
    from tests.analysis.builders import dichotomous_review, events_cell

    users = get_user_model().objects
    owner, reviewer = users.create_user("olivia"), users.create_user("rahul")
    review = services.review_create(owner=owner, title="Restart")
    services.member_invite(review=review, invited_by=owner, user_identifier="rahul", role=Role.REVIEWER)
    built = dichotomous_review(review, owner, reviewer)
    study = built.studies[0]
    extraction = built.extractions[study.pk]
    cell = events_cell(built.outcome, built.arms[study.pk][0], "total")
    url = reverse("api-extraction-values", args=[review.pk, study.pk, extraction.pk])
    # A 500 is a finding to record, not a crash; "localhost" is among the default allowed hosts.
    client = APIClient(raise_request_exception=False, SERVER_NAME="localhost")
    client.force_authenticate(reviewer)
    print(json.dumps({"ready": True, "cell": cell}), flush=True)
    version, value = 1, 200
    while not stop_file.exists():
        value += 1  # every attempt stores a value of its own, so the history says which were kept
        began = time.monotonic()
        # What the WSGI handler does around every request (the test client leaves it out): a
        # connection broken by the restart is dropped and the next request opens a new one.
        close_old_connections()
        response = client.post(
            url, {"cell": cell, "value": value, "based_on_version": version}, format="json"
        )
        body = response.json() if response.get("Content-Type", "").startswith("application/json") else {}
        if response.status_code == 200:
            version = body["version"]
        elif response.status_code == 409:  # a save whose answer was lost was kept: go on from it
            version = body["current_version"]
        print(
            json.dumps(
                {
                    "at": time.time(),
                    "value": value,
                    "status": response.status_code,
                    "detail": body.get("detail", "")
                    if response.status_code != 400
                    else json.dumps(body)[:300],
                    "seconds": round(time.monotonic() - began, 3),
                }
            ),
            flush=True,
        )
        time.sleep(0.2)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
