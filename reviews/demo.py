"""The demo review a newcomer sees at once: public data, named people."""

from django.contrib.auth import get_user_model
from django.db import transaction

from reviews import services
from reviews.models import Record, RecordStatus, Review, Role, SourceImport, SourceKind

DEMO_TITLE = "BCG vaccine for preventing tuberculosis (demo)"
DEMO_QUESTION = (
    "Does BCG vaccination prevent tuberculosis, and does its effect depend on the distance "
    "of the trial site from the equator? Demo review built on the 13 published trials summarised by "
    "Colditz et al. (JAMA 1994;271:698-702), as distributed in R metafor's data set dat.bcg."
)
DEMO_SOURCE = "Demo: the 13 trial reports of dat.bcg"
# (author, year) of each trial of dat.bcg, in its order; the extraction demo fills their counts.
DEMO_TRIALS = [
    ("Aronson", 1948),
    ("Ferguson & Simes", 1949),
    ("Rosenthal et al", 1960),
    ("Hart & Sutherland", 1977),
    ("Frimodt-Moller et al", 1973),
    ("Stein & Aronson", 1953),
    ("Vandiviere et al", 1973),
    ("TPT Madras", 1980),
    ("Coetzee & Berjak", 1968),
    ("Rosenthal et al", 1961),
    ("Comstock et al", 1974),
    ("Comstock & Webster", 1969),
    ("Comstock et al", 1976),
]
DEMO_PASSWORD = "demo-password"  # development only: load_demo refuses to run in production
DEMO_PEOPLE = [
    ("alice", "Alice", "Moreau", Role.OWNER),
    ("bob", "Bob", "Okafor", Role.REVIEWER),
    ("carol", "Carol", "Lindqvist", Role.VIEWER),
]


@transaction.atomic
def demo_review_load() -> Review:
    """Create the demo people and review once; running it again changes nothing."""
    User = get_user_model()
    users = {}
    for username, first, last, _ in DEMO_PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[username] = user
    review = Review.objects.filter(title=DEMO_TITLE, created_by=users["alice"]).first()
    if review is None:
        review = services.review_create(owner=users["alice"], title=DEMO_TITLE, question=DEMO_QUESTION)
    for username, _, _, role in DEMO_PEOPLE:
        if not review.memberships.filter(user=users[username]).exists():
            services.member_invite(
                review=review, invited_by=users["alice"], user_identifier=username, role=role
            )
    _demo_records_load(review=review, user=users["alice"])
    return review


def demo_record_title(author: str, year: int) -> str:
    """The demo record of a trial; titles say plainly that these stand for the published reports."""
    return f"{author} {year}: BCG vaccine trial report (demo record standing for the published report)"


def _demo_records_load(*, review: Review, user) -> None:
    """One included record per trial, so references, PRISMA and extraction tell the same story."""
    if review.imports.filter(source_name=DEMO_SOURCE).exists():
        return
    source = SourceImport.objects.create(
        review=review,
        source_name=DEMO_SOURCE,
        source_kind=SourceKind.OTHER,
        file_name="dat.bcg (R metafor)",
        status=SourceImport.Status.DONE,
        records_parsed=len(DEMO_TRIALS),
        records_imported=len(DEMO_TRIALS),
        created_by=user,
    )
    Record.objects.bulk_create(
        Record(
            review=review,
            source_import=source,
            title=demo_record_title(author, year),
            authors=[author],
            year=year,
            journal="Summarised in Colditz et al., JAMA 1994;271:698-702",
            status=RecordStatus.INCLUDED,
        )
        for author, year in DEMO_TRIALS
    )
