"""HTML forms for project pages: input shapes only; projects.services validates and
writes (and checks roles)."""

from __future__ import annotations

from django import forms

from projects.columns import WIP_LIMIT_MAX
from projects.models import COLUMN_NAME_MAX, DESCRIPTION_MAX, NAME_MAX, Column, ColumnCategory, Role


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


class ColumnForm(forms.Form):
    """Add or edit a board column (projects.columns validates again and decides)."""

    name = forms.CharField(max_length=COLUMN_NAME_MAX)
    category = forms.ChoiceField(
        label="Status", choices=ColumnCategory.choices, initial=ColumnCategory.TODO
    )
    wip_limit = forms.IntegerField(
        label="WIP limit",
        required=False,
        min_value=1,
        max_value=WIP_LIMIT_MAX,
        help_text="Optional: the board marks the column when it holds more cards.",
    )


class ColumnDeleteForm(forms.Form):
    """Where a deleted column's tasks go: one of the project's other columns."""

    move_to = forms.ChoiceField(label="Move its tasks to", required=False)

    def __init__(self, *args: object, others: list[Column], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["move_to"].choices = [(c.pk, c.name) for c in others]
