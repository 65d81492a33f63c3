"""Forms after the award: accept the agreement, log spending, reallocate, the progress update, the final report.

Shape only (required, lengths, types, money with at most two decimals and more than zero, a real
date). The rules that need the grant (a line's "left", the award, the activation date, today) are the
ledger service's; it reports them against the same field names.
"""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.grants.ledger import NOTE_MAX, PAYEE_MAX, REASON_MAX
from app.grants.reports import SECTION_MAX
from app.models import FINAL_REPORT_SECTIONS, PROGRESS_SECTIONS
from forms.base import FlaskForm
from forms.fields import DayField, MoneyField


class AgreementForm(FlaskForm):
    accept = BooleanField(
        "I accept on behalf of the team",
        validators=[DataRequired("Tick “I accept on behalf of the team” to accept the agreement.")],
    )


class PaymentField(MoneyField):
    """An amount actually paid: a number of dollars and cents, more than zero."""

    def __init__(self, label=None, validators=None, **kw):
        kw.setdefault("positive", True)
        kw.setdefault("small_message", "Enter an amount more than $0.00 (a zero or negative amount is not spending).")
        super().__init__(label, validators, **kw)


def _required(message: str):
    return InputRequired(message)


class ExpenditureForm(FlaskForm):
    spent_on = DayField("Date of the purchase or payment", validators=[_required("Enter the date it was paid.")])
    payee = StringField("Paid to", validators=[
        DataRequired("Say who was paid."),
        Length(max=PAYEE_MAX, message=f"Keep the payee to {PAYEE_MAX} characters or fewer."),
    ], filters=[lambda v: v.strip() if isinstance(v, str) else v])
    budget_line = SelectField("Budget line", choices=[], validate_choice=False,
                              validators=[DataRequired("Choose the budget line this spending comes from.")])
    amount = PaymentField("Amount ($)", validators=[_required("Enter the amount paid.")])
    receipt = FileField("Receipt (PDF, JPEG or PNG)", validators=[FileRequired("Attach the receipt.")])
    note = TextAreaField("Note (optional)", render_kw={"rows": 3}, validators=[
        Length(max=NOTE_MAX, message=f"Keep the note to {NOTE_MAX:,} characters or fewer.")])

    def validate_budget_line(self, field):
        if field.data and field.data not in {str(c.value) for c in field.choices}:
            raise ValidationError("Choose one of this grant's budget lines.")

    def expenditure(self) -> dict:
        """What was typed, as ``app.grants.ledger.log_expenditure`` takes it (once the form is valid)."""
        receipt = self.receipt.data
        return {"spent_on": self.spent_on.data, "payee": self.payee.data, "budget_line_id": int(self.budget_line.data),
                "amount": self.amount.data, "note": self.note.data or "", "receipt_filename": receipt.filename,
                "receipt_stream": receipt.stream}


class ReallocationForm(FlaskForm):
    from_line = SelectField("Move money from", choices=[], validate_choice=False,
                            validators=[DataRequired("Choose the budget line the money comes from.")])
    to_line = SelectField("Move it to", choices=[], validate_choice=False,
                          validators=[DataRequired("Choose the budget line the money goes to.")])
    amount = PaymentField("Amount ($)", validators=[_required("Enter the amount to move.")])
    reason = TextAreaField("Reason", render_kw={"rows": 3}, validators=[
        DataRequired("Give the reason for the reallocation (it goes on the record)."),
        Length(max=REASON_MAX, message=f"Keep the reason to {REASON_MAX:,} characters or fewer."),
    ])

    def _check_choice(self, field, message):
        if field.data and field.data not in {str(c.value) for c in field.choices}:
            raise ValidationError(message)

    def validate_from_line(self, field):
        self._check_choice(field, "Choose one of this grant's budget lines.")

    def validate_to_line(self, field):
        self._check_choice(field, "Choose one of this grant's budget lines.")
        if field.data and field.data == self.from_line.data:
            raise ValidationError("Choose a different line to move the money to.")

    def reallocation(self) -> dict:
        """What was typed, as ``app.grants.ledger.reallocate`` takes it (once the form is valid)."""
        return {"from_line_id": int(self.from_line.data), "to_line_id": int(self.to_line.data),
                "amount": self.amount.data, "reason": self.reason.data}


def _section(label: str):
    return TextAreaField(label, render_kw={"rows": 6}, validators=[
        Length(max=SECTION_MAX, message=f"Keep this to {SECTION_MAX:,} characters or fewer.")])


class ProgressForm(FlaskForm):
    progress_so_far = _section(PROGRESS_SECTIONS["progress_so_far"])
    early_evidence = _section(PROGRESS_SECTIONS["early_evidence"])
    challenges = _section(PROGRESS_SECTIONS["challenges"])
    next_steps = _section(PROGRESS_SECTIONS["next_steps"])
    save = SubmitField("Save draft")
    submit = SubmitField("Submit progress update")

    def sections(self) -> dict[str, str]:
        return {attr: self[attr].data or "" for attr in PROGRESS_SECTIONS}


class FinalReportForm(FlaskForm):
    what_we_tried = _section(FINAL_REPORT_SECTIONS["what_we_tried"])
    what_happened = _section(FINAL_REPORT_SECTIONS["what_happened"])
    what_we_learned = _section(FINAL_REPORT_SECTIONS["what_we_learned"])
    what_we_would_change = _section(FINAL_REPORT_SECTIONS["what_we_would_change"])

    def sections(self) -> dict[str, str]:
        return {attr: self[attr].data or "" for attr in FINAL_REPORT_SECTIONS}


__all__ = ["AgreementForm", "DayField", "ExpenditureForm", "FinalReportForm", "PaymentField", "ProgressForm",
           "ReallocationForm"]


class VoidExpenditureForm(FlaskForm):
    """Void a mistaken expenditure: the reason goes on the record (the operation says when it is missing)."""

    reason = TextAreaField("Why this expenditure is void", render_kw={"rows": 3}, validators=[
        Length(max=REASON_MAX, message=f"Keep the reason to {REASON_MAX:,} characters or fewer."),
    ])


class _ReviseBudgetBase(FlaskForm):
    def amounts(self) -> dict[int, object]:
        """line id -> the amount typed (a Decimal, once the form is valid), as ``revise_budget`` takes it."""
        return {int(name.removeprefix("line_")): f.data for name, f in self._fields.items()
                if name.startswith("line_")}


def revise_budget_form_class(lines) -> type[FlaskForm]:
    """A form with one amount per budget line (``line_<id>``), labelled with the line's category and
    description: the team lead's revised budget for a partial award."""
    attrs = {
        f"line_{line.id}": MoneyField(f"{line.category.label}: {line.description} ($)",
                                      validators=[_required(f"Enter an amount for {line.description} "
                                                            "($0.00 to drop the line).")])
        for line in lines
    }
    return type("ReviseBudgetForm", (_ReviseBudgetBase,), attrs)


class CorrectExpenditureForm(FlaskForm):
    """A returned reimbursement, corrected: who was paid, the amount, the note, a new receipt (optional), and
    what was corrected (the operation's guard says when it is missing, beside the field)."""

    payee = StringField("Paid to", validators=[
        DataRequired("Say who was paid."),
        Length(max=PAYEE_MAX, message=f"Keep the payee to {PAYEE_MAX} characters or fewer."),
    ], filters=[lambda v: v.strip() if isinstance(v, str) else v])
    amount = PaymentField("Amount ($)", validators=[_required("Enter the amount paid.")])
    note = TextAreaField("Note (optional)", render_kw={"rows": 3}, validators=[
        Length(max=NOTE_MAX, message=f"Keep the note to {NOTE_MAX:,} characters or fewer.")])
    receipt = FileField("A new receipt (PDF, JPEG or PNG; leave empty to keep the one attached)")
    comment = TextAreaField("What you corrected", render_kw={"rows": 3}, validators=[
        Length(max=REASON_MAX, message=f"Keep this to {REASON_MAX:,} characters or fewer.")])

    def correction(self) -> dict:
        receipt = self.receipt.data
        given = receipt is not None and getattr(receipt, "filename", "")
        return {"payee": self.payee.data, "amount": self.amount.data, "note": self.note.data or "",
                "comment": self.comment.data or "", "receipt_filename": receipt.filename if given else None,
                "receipt_stream": receipt.stream if given else None}
