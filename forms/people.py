"""People's forms: signing in, the admin's people and schools, teams."""
from __future__ import annotations

from flask import current_app
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import EDUCATOR_ROLES, EmailDelivery, Role, SchoolLevel, Side, TeamScope
from app.people.passwords import HINT as PASSWORD_HINT
from forms.base import FlaskForm
from forms.filters import FilterForm, FilterText

# -- admin -------------------------------------------------------------------------------------------

# People and schools: the admin forms, and the filters of the people list.
#
# Shape only. Whether an email is taken, whether a side fits the roles, and whether an admin is
# about to lock themselves out are decided by ``app.people.accounts``.

def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (rendered in a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def role_choices():
    return [SelectChoice(r.value, r.label) for r in Role]


def side_choices(blank: str = "No side"):
    return [SelectChoice("", blank)] + [SelectChoice(s.value, s.value) for s in Side]


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the person's name."), Length(
        max=120, message="Keep the name to 120 characters or fewer.")])
    email = EmailField("Email", validators=[
        DataRequired("Enter an email address."),
        Length(max=254, message="An email address has at most 254 characters."),
        Email("Enter a valid email address, like name@bostonpublicschools.org.", check_deliverability=False),
    ])
    roles = CheckboxesField("Roles", choices=role_choices(), invalid_choice_message="Choose roles from the list.")
    side = SelectField("Side", choices=side_choices(), validate_choice=True,
                       invalid_choice_message="Choose BTU, BPS or no side.",
                       description="Only reviewers and co-chairs belong to a side, and they must have one.")
    school_id = SelectField("School", coerce=_optional_int, choices=[], validate_choice=True,
                            invalid_choice_message="Choose a school from the list.")
    job_title = SelectField("Job title", choices=[SelectChoice(t, t) for t in EDUCATOR_ROLES],
                            invalid_choice_message="Choose a job title from the list.")
    active = BooleanField("Active (can sign in)", default=True)

    def __init__(self, *args, schools=(), creating: bool = True, current_job_title: str | None = None, **kw):
        super().__init__(*args, **kw)
        self.creating = creating
        self.school_id.choices = [SelectChoice("", "No school")] + [SelectChoice(s.id, s.name) for s in schools]
        if current_job_title and current_job_title not in EDUCATOR_ROLES:
            # Someone's title from before (or from the CLI) stays selectable, so saving keeps it.
            self.job_title.choices = [SelectChoice(current_job_title, current_job_title)] + list(self.job_title.choices)

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError("Give the person at least one role.")


class SchoolForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the school's name."), Length(
        max=160, message="Keep the name to 160 characters or fewer.")])
    level = SelectField("Level", choices=[SelectChoice(lv.value, lv.label) for lv in SchoolLevel],
                        validators=[DataRequired("Choose the school's level.")],
                        invalid_choice_message="Choose elementary, K-8, middle, high or other.")
    neighborhood = StringField("Neighborhood", validators=[Length(
        max=80, message="Keep the neighborhood to 80 characters or fewer.")],
        description="For example Dorchester, East Boston, Roxbury.")


class UserFilterForm(FilterForm):
    """The people list's filters (GET, no CSRF: it changes nothing)."""


    q = FilterText("Name or email", validators=[Length(max=120, message="Search with 120 characters or fewer.")])
    role = SelectField("Role", choices=[SelectChoice("", "Any role")] + role_choices(),
                       invalid_choice_message="Choose a role from the list.")
    side = SelectField("Side", choices=[SelectChoice("", "Either side or none")] + [SelectChoice(s.value, s.value) for s in Side],
                       invalid_choice_message="Choose BTU or BPS.")
    school_id = SelectField("School", coerce=_optional_int, choices=[],
                            invalid_choice_message="Choose a school from the list.")

    def __init__(self, *args, schools=(), **kw):
        super().__init__(*args, **kw)
        self.school_id.choices = [SelectChoice("", "Any school")] + [SelectChoice(s.id, s.name) for s in schools]


class PeopleImportForm(FlaskForm):
    """The people import: a CSV file (what is in it is checked by ``app.people.directory``)."""

    file = FileField("CSV file", validators=[FileRequired("Choose the CSV file to import.")],
                     description="CSV UTF-8 with a header row; at most 50,000 people and 10 MB.")
    invite = BooleanField("Email each person added an invitation to set a password", default=True,
                          description="Leave this unticked when everyone signs in with single sign-on.")


class SignOutEverywhereForm(FlaskForm):
    """The admin's "sign out everywhere" button (nothing to type: the CSRF token)."""

    submit = SubmitField("Sign out on every device")


class SendPasswordLinkForm(FlaskForm):
    """The admin's button that emails a person a link to set their password (nothing to type)."""

    submit = SubmitField("Send the link")


# -- auth --------------------------------------------------------------------------------------------

# The password rules (length, common passwords...) are app.people.passwords'; a form only bounds what
# it reads (the rules then say, in their words, when a password is too long).
TYPED_MAX = 1024


class EmailDeliveryForm(FlaskForm):
    """The person's own choice: each email as it comes, or one daily digest."""

    delivery = RadioField(
        "How would you like the app's email?",
        choices=[SelectChoice(d.value, d.label) for d in EmailDelivery],
        validators=[DataRequired("Choose how you would like the app's email.")],
    )
    submit = SubmitField("Save")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password."), Length(max=TYPED_MAX)])
    new_password = PasswordField("New password", validators=[
        DataRequired("Enter a new password."), Length(max=TYPED_MAX, message="Keep the password to 256 characters or fewer.")],
        description=PASSWORD_HINT)
    new_password_again = PasswordField("New password again", validators=[
        DataRequired("Type the new password again."), Length(max=TYPED_MAX)])
    submit = SubmitField("Change password")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[
        DataRequired("Enter the email address you sign in with."),
        Length(max=254, message="An email address has at most 254 characters."),
        Email("Enter a valid email address, like name@bostonpublicschools.org.", check_deliverability=False)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        description="The address you sign in with. We email it a link to set a new password.")
    submit = SubmitField("Email me a link")


class SetPasswordForm(FlaskForm):
    """A new password, twice: from a reset link or an invitation."""

    new_password = PasswordField("New password", validators=[
        DataRequired("Enter a new password."), Length(max=TYPED_MAX, message="Keep the password to 256 characters or fewer.")],
        description=PASSWORD_HINT)
    new_password_again = PasswordField("New password again", validators=[
        DataRequired("Type the new password again."), Length(max=TYPED_MAX)])
    submit = SubmitField("Set password")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Email("Enter a valid email address."), Length(max=254)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])  # a phone's keyboard adds a space
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=TYPED_MAX)])
    remember = BooleanField("Keep me signed in on this device")

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        days, hours = current_app.config["REMEMBER_DAYS"], current_app.config["SESSION_LIFETIME_HOURS"]
        self.remember.description = (f"For {days} days, until you sign out. Only on a computer no one else uses; "
                                     f"otherwise you are signed out after {hours:g} hours without activity.")
    submit = SubmitField("Sign in")


# -- team --------------------------------------------------------------------------------------------

# Team forms: create a team, add a member by email. Shape only; the rules live in app.people.teams.

NAME_MAX = 120


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired("Give the team a name."),
                       Length(max=NAME_MAX, message=f"Keep the name to {NAME_MAX} characters or fewer.")],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])
    scope = RadioField(
        "Scope",
        choices=[SelectChoice(TeamScope.SCHOOL.value, "School-based: everyone works at one school"),
                 SelectChoice(TeamScope.CROSS_SCHOOL.value, "Cross-school: members from several schools")],
        default=TeamScope.SCHOOL.value,
        validators=[DataRequired("Choose whether the team is school-based or cross-school.")],
        invalid_choice_message="Choose whether the team is school-based or cross-school.",
    )
    school = SelectField("School (for a school-based team)", validate_choice=False,
                         description="Defaults to your school.")

    def validate_school(self, field):
        if self.scope.data == TeamScope.SCHOOL.value and not field.data:
            raise ValidationError("Choose the team's school.")
        if field.data and field.data not in {c.value for c in self.school._choices_from_input(self.school.choices)}:
            raise ValidationError("Choose a school from the list.")


class AddMemberForm(FlaskForm):
    email = EmailField("Email of the educator to add",
                       validators=[DataRequired("Enter the educator's email address."),
                                   Email("Enter a valid email address, like name@bostonpublicschools.org."),
                                   Length(max=254, message="That email address is too long.")],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])


class SignInPolicyForm(FlaskForm):
    """The admins' sign-in settings: require single sign-on, and who may still use a password."""

    require_sso = BooleanField("Require single sign-on", description=(
        "Everyone signs in with the district's account; password sign-in is refused, except for the "
        "break-glass admins below."))
    break_glass = CheckboxesField("Break-glass admins: may still sign in with a password",
                                  invalid_choice_message="Choose break-glass accounts from the list.")

    def __init__(self, *args, admins=(), **kw):
        super().__init__(*args, **kw)
        self.break_glass.choices = [SelectChoice(str(u.id), f"{u.name} <{u.email}>") for u in admins]
