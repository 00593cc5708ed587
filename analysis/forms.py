"""The owner's form for an analysis; it validates input and hands it to the services."""

from django import forms

from analysis.models import Analysis
from analysis.services.definitions import EDITABLE


class AnalysisForm(forms.ModelForm):
    moderators = forms.CharField(
        required=False, help_text="Columns for meta-regression, separated by commas (e.g. dose, year)"
    )
    interaction_covariates = forms.CharField(
        required=False,
        help_text="Patient covariates tested for interaction with treatment, separated by commas",
    )

    class Meta:
        model = Analysis
        # The same fields the services accept, so the form and the API cannot drift apart.
        fields = list(EDITABLE)

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = review.outcomes.all()
        self.fields["hazard_source"].required = False
        if self.instance.pk:
            self.initial["moderators"] = ", ".join(self.instance.moderators or [])
            self.initial["interaction_covariates"] = ", ".join(self.instance.interaction_covariates or [])

    def _post_clean(self):
        # The service validates and saves; the model's own checks (the unique name) run there.
        pass

    def options(self) -> dict:
        data = dict(self.cleaned_data)
        for key in ("moderators", "interaction_covariates"):
            data[key] = [part.strip() for part in (data.get(key) or "").split(",") if part.strip()]
        data["hazard_source"] = data.get("hazard_source") or "published"
        return data
