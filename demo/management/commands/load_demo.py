"""python manage.py load_demo: the demo review and its people, for a first look."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import demo_load
from reviews.demo import DEMO_PASSWORD, DEMO_PEOPLE


class Command(BaseCommand):
    help = "Create the demo review (BCG vaccine trials) and demo users; safe to run again."

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError(
                "The demo users have a published password; load_demo does not run in production."
            )
        review = demo_load()
        self.stdout.write(f"Demo review {review.pk}: {review.title}")
        for username, _, _, role in DEMO_PEOPLE:
            self.stdout.write(f"  {username} / {DEMO_PASSWORD}  ({role.label.lower()})")
