from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "analysis"
    verbose_name = "Analyses"

    def ready(self) -> None:
        # The one hook by which extraction tells analysis that data changed (docs/architecture.md).
        from analysis.recompute.receivers import on_extraction_data_changed
        from extraction.events import extraction_data_changed

        extraction_data_changed.connect(on_extraction_data_changed, dispatch_uid="analysis-recompute")
