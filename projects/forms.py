"""HTML forms for project pages: input shapes only; projects.services validates and
writes (and checks roles)."""

from __future__ import annotations

from django import forms

from projects.models import DESCRIPTION_MAX, NAME_MAX, Role


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX)
    description = forms.CharField(
        max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
