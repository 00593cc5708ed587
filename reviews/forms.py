"""HTML forms; they validate input and hand it to services."""

from django import forms

from reviews.models import Review, Role


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["title", "question", "reviewers_per_record", "blind_screening", "extractions_per_study"]
        widgets = {"question": forms.Textarea(attrs={"rows": 3})}


class InviteMemberForm(forms.Form):
    user = forms.CharField(label="Username or e-mail", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER)


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
