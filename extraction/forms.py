"""The study page's small forms, one per action: typed input, and a clear message for bad input."""

from django import forms


def form_errors(form: forms.Form) -> str:
    """Every error of a bound form as one line a message can show: "Field: problem"."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        for error in errors:
            parts.append(f"{label}: {error}" if label else str(error))
    return " ".join(parts)


class ArmForm(forms.Form):
    label = forms.CharField(label="Arm label")
    intervention = forms.CharField(label="Intervention", required=False)
    dose = forms.CharField(label="Dose", required=False)
    n_randomised = forms.IntegerField(label="Number randomised", min_value=1, required=False)


class ArmChangeForm(ArmForm):
    arm_id = forms.IntegerField(label="Arm", min_value=1)
    based_on_version = forms.IntegerField(label="Version", min_value=0)


class ArmRemoveForm(forms.Form):
    arm_id = forms.IntegerField(label="Arm", min_value=1)


class ComparisonForm(forms.Form):
    experimental_id = forms.IntegerField(label="Experimental arm", min_value=1)
    control_id = forms.IntegerField(label="Control arm", min_value=1)


class RecordLinkForm(forms.Form):
    record_id = forms.IntegerField(label="Record number", min_value=1)


class ExtractionChoiceForm(forms.Form):
    extraction_id = forms.IntegerField(label="Extraction", min_value=1)


class PatientUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", error_messages={"required": "Choose a CSV file to upload."})
