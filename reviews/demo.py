"""The demo review a newcomer sees at once: public data, named people."""

from django.contrib.auth import get_user_model
from django.db import transaction

from reviews import services
from reviews.models import Review, Role

DEMO_TITLE = "BCG vaccine for preventing tuberculosis (demo)"
DEMO_QUESTION = (
    "Does BCG vaccination prevent tuberculosis, and does its effect depend on the distance "
    "of the trial site from the equator? Demo review built on the 13 published trials summarised by "
    "Colditz et al. (JAMA 1994;271:698-702), as distributed in R metafor's data set dat.bcg."
)
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
    return review
