"""Proposal forms: start a draft, edit it (with budget lines), attach a file, take an action.

Shape only: lengths, money that is a number >= 0 with at most two decimals, a row that is either
blank or complete. Whether the proposal is complete enough to submit is the workflow's question.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    Form,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList, FormField, SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import BudgetCategory, GrantType
from forms.fields import MoneyField

TITLE_MAX = 200
TEXT_MAX = 10_000
DESCRIPTION_MAX = 200
BLANK_BUDGET_ROWS = 3
MAX_BUDGET_ROWS = 60


class PriorityCheckboxes(SelectMultipleField):
    """The district priorities (active survey topics) a proposal cites, as checkboxes. A choice that
    is not in the list is refused with ``invalid_choice_message``; none ticked is fine."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _category_choices():
    return [SelectChoice("", "Choose a category")] + [SelectChoice(c.value, c.label) for c in BudgetCategory]


class BudgetLineForm(Form):
    """One budget line. A blank row is ignored; a row with only some fields is an error on that row."""

    category = SelectField("Category", choices=_category_choices(), validate_choice=False)
    description = StringField("Description", validators=[Length(max=DESCRIPTION_MAX,
                              message=f"Keep the description to {DESCRIPTION_MAX} characters or fewer.")],
                              filters=[lambda v: v.strip() if isinstance(v, str) else v])
    amount = MoneyField("Amount ($)")

    @property
    def is_blank(self) -> bool:
        typed_amount = (self.amount.raw_data or [""])[0] or ""
        return not (self.category.data or (self.description.data or "").strip() or typed_amount.strip())

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.is_blank:
            return ok
        if not self.category.data:
            self.category.errors = [*self.category.errors, "Choose a category for this line."]
            ok = False
        elif self.category.data not in {c.value for c in BudgetCategory}:
            self.category.errors = [*self.category.errors, "Choose a category from the list."]
            ok = False
        if not (self.description.data or "").strip():
            self.description.errors = [*self.description.errors, "Describe what this line pays for."]
            ok = False
        if self.amount.data is None and not self.amount.errors:
            self.amount.errors = [*self.amount.errors, "Enter the amount for this line."]
            ok = False
        return ok


def _text(label: str):
    return TextAreaField(label, validators=[Length(max=TEXT_MAX, message=f"Keep this to {TEXT_MAX:,} characters or fewer.")],
                         render_kw={"rows": 5})


class ProposalForm(FlaskForm):
    version = HiddenField()
    grant_type = RadioField(
        "Grant type",
        choices=[SelectChoice(g.value, f"{g.label}: " + ("try something" if g is GrantType.ACTION
                                                         else "investigate something")) for g in GrantType],
        validate_choice=False,
    )
    title = StringField("Title", validators=[Length(max=TITLE_MAX,
                        message=f"Keep the title to {TITLE_MAX} characters or fewer.")])
    challenge = _text("The challenge")
    students = _text("The students it concerns")
    plan = _text("Plan")
    success_measures = _text("How success is measured")
    sharing_plan = _text("How the team will share its learning")
    timeline = _text("Timeline")
    amount_requested = MoneyField("Amount requested ($)")
    budget_lines = FieldList(FormField(BudgetLineForm), label="Budget lines", min_entries=BLANK_BUDGET_ROWS,
                             max_entries=MAX_BUDGET_ROWS)
    priorities = PriorityCheckboxes("Which district priorities does this proposal address?", coerce=int,
                                    invalid_choice_message="Choose priorities from the list.")

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        from app.services import clock
        from app.services.priorities import topic_order

        topics, self.priorities_ranked = topic_order(clock.today(), with_ranked=True)
        self.priorities.choices = [SelectChoice(t.id, t.name) for t in topics]

    def validate_grant_type(self, field):
        if field.data in (None, "", "None"):
            field.data = None
            return
        if field.data not in {g.value for g in GrantType}:
            raise ValidationError("Choose an action grant or a study grant.")

    def filled_lines(self):
        return [entry.form for entry in self.budget_lines if not entry.form.is_blank]

    def error_messages(self) -> list[tuple[str, str]]:
        """(field id, "label: message") for every error, budget rows included, for the summary."""
        out = []
        for f in self:
            if f.name == "csrf_token" or not f.errors:
                continue
            if f.type == "FieldList":
                for i, entry in enumerate(f.entries, start=1):
                    for sub in entry.form:
                        for e in sub.errors:
                            out.append((sub.id, f"Budget line {i}, {sub.label.text.lower()}: {e}"))
                for e in f.errors if isinstance(f.errors, list) else []:
                    if isinstance(e, str):
                        out.append((f.id, f"Budget lines: {e}"))
            else:
                out.extend((f.id, f"{f.label.text}: {e}") for e in f.errors)
        return out


class NewProposalForm(FlaskForm):
    team = SelectField("Team", validators=[DataRequired("Choose one of your teams.")],
                       invalid_choice_message="Choose one of your teams.")
    cycle = SelectField("Funding cycle", validators=[DataRequired("Choose a cycle that is open now.")],
                        invalid_choice_message="Choose a cycle that is open now.")


class UploadForm(FlaskForm):
    file = FileField("File (PDF, Word .docx, Excel .xlsx, PNG or JPEG)",
                     validators=[FileRequired("Choose a file to upload.")])


def action_form_class(trigger: str, fields: tuple[str, ...], *, comment_label: str = "Comment for the team",
                      class_prefix: str = "ActionForm") -> type[FlaskForm]:
    """A form for one action: the fields its declaration asks for (``comment`` / ``reason``).

    Field names are the contract (``comment``, ``reason``); ids carry the trigger so that two
    action forms on one page never share an id. ``comment_label`` names who reads the comment.
    """
    labels = {"comment": comment_label, "reason": "Reason"}
    attrs = {
        name: TextAreaField(
            labels.get(name, name.capitalize()), id=f"{trigger}-{name}", render_kw={"rows": 3},
            validators=[Optional(), Length(max=TEXT_MAX, message=f"Keep this to {TEXT_MAX:,} characters or fewer.")],
        )
        for name in fields
    }
    return type(f"{class_prefix}_{trigger}", (FlaskForm,), attrs)


__all__ = ["BudgetLineForm", "MoneyField", "NewProposalForm", "ProposalForm", "UploadForm",
           "action_form_class"]
