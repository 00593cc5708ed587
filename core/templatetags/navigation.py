"""The navigation between a review's stages."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

# (key, label, URL name). A stage whose pages have not been installed yet shows
# greyed out instead of linking to a 404; it lights up once its URL exists.
REVIEW_STAGES = [
    ("overview", "Overview", "reviews:detail"),
    ("references", "References", "reviews:references"),
    ("screening", "Screening", "reviews:screening"),
    ("extraction", "Extraction", "extraction:studies"),
    ("analyses", "Analyses", "analysis:list"),
    ("prisma", "PRISMA", "reviews:prisma"),
    ("downloads", "Downloads", "downloads:index"),
    ("members", "Members", "reviews:members"),
]


@register.inclusion_tag("core/_stage_nav.html")
def review_stage_nav(review, current: str = "", membership=None):
    stages = []
    for key, label, url_name in REVIEW_STAGES:
        try:
            url = reverse(url_name, kwargs={"review_id": review.pk})
        except NoReverseMatch:
            url = None
        stages.append({"key": key, "label": label, "url": url, "current": key == current})
    is_owner = membership is not None and membership.role == "owner"
    if is_owner:
        stages.append(
            {
                "key": "settings",
                "label": "Settings",
                "url": reverse("reviews:settings", kwargs={"review_id": review.pk}),
                "current": current == "settings",
            }
        )
    return {"stages": stages, "review": review}
