"""Team forms: create a team, add a member by email. Shape only; the rules live in app.services.teams."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.models import TeamScope

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
