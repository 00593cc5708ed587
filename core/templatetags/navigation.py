"""The navigation between a review's stages."""

from django import template
from django.urls import reverse

register = template.Library()

# (key, label, URL name)
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
    stages = [
        {
            "key": key,
            "label": label,
            "url": reverse(url_name, kwargs={"review_id": review.pk}),
            "current": key == current,
        }
        for key, label, url_name in REVIEW_STAGES
    ]
    if membership is not None and membership.role == "owner":
        stages.append(
            {
                "key": "settings",
                "label": "Settings",
                "url": reverse("reviews:settings", kwargs={"review_id": review.pk}),
                "current": current == "settings",
            }
        )
    return {"stages": stages, "review": review}
