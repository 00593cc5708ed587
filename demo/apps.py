from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo review and the development runner: the top of the apps, it may use every other."""

    name = "demo"
    verbose_name = "Demo"
