"""Object-level permission questions, asked in one place by views, services and tests."""
from __future__ import annotations

from app.models import PLRequestState, Proposal, ProposalState, User
from workflows.proposal import EDITABLE_BY_TEAM, REALLOCATABLE, REPORTING, SUMMARY_EDITABLE

S = ProposalState


def is_staff(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.has_role("staff"))


def is_admin(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.has_role("admin"))


def is_team_member(user: User | None, proposal: Proposal) -> bool:
    return bool(user and user.is_authenticated and user.id in proposal.team.member_ids)


def is_team_lead(user: User | None, proposal: Proposal) -> bool:
    return bool(user and user.is_authenticated and user.id == proposal.team.lead_id)


def assignment_for(user: User | None, proposal: Proposal):
    if not (user and user.is_authenticated):
        return None
    for a in proposal.assignments:
        if a.reviewer_id == user.id:
            return a
    return None


def is_assigned_reviewer(user: User | None, proposal: Proposal) -> bool:
    return assignment_for(user, proposal) is not None


def is_conflicted(user: User | None, proposal: Proposal) -> bool:
    return bool(user and user.is_authenticated and user.id in proposal.conflicted_user_ids())


def is_committee_decider(user: User | None, proposal: Proposal) -> bool:
    """A co-chair may see every proposal that has left the draft stage."""
    return bool(user and user.is_authenticated and user.has_role("co_chair") and proposal.state is not S.DRAFT)


def can_view_proposal(user: User | None, proposal: Proposal) -> bool:
    if not (user and user.is_authenticated):
        return False
    if is_staff(user) or is_team_member(user, proposal):
        return True
    if proposal.state is S.DRAFT:
        return False
    return is_assigned_reviewer(user, proposal) or is_committee_decider(user, proposal)


def can_edit_proposal(user: User | None, proposal: Proposal) -> bool:
    """Team members edit the draft together, and again when revisions are requested."""
    return is_team_member(user, proposal) and proposal.state in EDITABLE_BY_TEAM


def can_see_scores(user: User | None, proposal: Proposal) -> bool:
    """Scores and ranking: staff and co-chairs, never anyone who declared a conflict."""
    if not (user and user.is_authenticated) or is_conflicted(user, proposal):
        return False
    return is_staff(user) or user.has_role("co_chair")


def can_see_review_packet(user: User | None, proposal: Proposal) -> bool:
    """The packet is for reviewers (and those who run or decide the review)."""
    if not can_view_proposal(user, proposal) or proposal.state is S.DRAFT:
        return False
    return is_staff(user) or is_assigned_reviewer(user, proposal) or is_committee_decider(user, proposal)


def can_see_decision_letter(user: User | None, proposal: Proposal) -> bool:
    if proposal.confirmed_decision is None:
        return False
    return is_team_member(user, proposal) or is_staff(user) or is_committee_decider(user, proposal)


# -- review and committee (review helper) ------------------------------------------------------
def can_declare_conflict(user: User | None, proposal: Proposal) -> bool:
    """An assigned reviewer, or a co-chair (who takes part in every decision), of a proposal past draft."""
    if not (user and user.is_authenticated) or proposal.state is S.DRAFT:
        return False
    if user.has_role("co_chair"):
        return True
    return user.has_role("reviewer") and is_assigned_reviewer(user, proposal)


def can_see_cohort(user: User | None) -> bool:
    """The cohort selection page: co-chairs and program staff (scores hidden per proposal on conflict)."""
    return bool(user and user.is_authenticated and user.has_role("co_chair", "staff"))


def can_take_part_in_decision(user: User | None, proposal: Proposal) -> bool:
    """A co-chair with a side and no declared conflict with this proposal."""
    return bool(
        user and user.is_authenticated and user.has_role("co_chair")
        and user.side is not None and not is_conflicted(user, proposal)
    )


# -- teams (educator helper) ------------------------------------------------------------------
def is_lead_of(user: User | None, team) -> bool:
    return bool(user and user.is_authenticated and user.id == team.lead_id)


def can_view_team(user: User | None, team) -> bool:
    """Team pages: the team's members, and program staff and admins (who support teams)."""
    if not (user and user.is_authenticated):
        return False
    return user.id in team.member_ids or is_staff(user) or is_admin(user)


def can_manage_team(user: User | None, team) -> bool:
    """The lead adds and removes members."""
    return is_lead_of(user, team)


# -- the grant after the award (grants helper) --------------------------------------------------


def can_see_grant(user: User | None, proposal: Proposal) -> bool:
    """The agreement, the ledger, receipts and reports: the team's members and program staff."""
    return is_team_member(user, proposal) or is_staff(user)


def can_log_spending(user: User | None, proposal: Proposal) -> bool:
    return is_team_member(user, proposal) and proposal.state is S.ACTIVE


def can_void_spending(user: User | None, proposal: Proposal) -> bool:
    """A team member or program staff void a mistaken expenditure (with a reason) while the grant is active."""
    return (is_team_member(user, proposal) or is_staff(user)) and proposal.state is S.ACTIVE


def can_reallocate(user: User | None, proposal: Proposal) -> bool:
    """A team member asks to move money between budget lines (staff may ask for the team too) while the grant
    is approved or active; staff approve or decline the request (``workflows.expenditure.REALLOCATION``)."""
    return (is_team_member(user, proposal) or is_staff(user)) and proposal.state in REALLOCATABLE


def can_write_reports(user: User | None, proposal: Proposal) -> bool:
    """Team members write the progress update and the final report while the grant is active."""
    return is_team_member(user, proposal) and proposal.state is S.ACTIVE


# -- learning summaries (summaries helper) ----------------------------------------------------


def can_edit_summary(user: User | None, proposal: Proposal) -> bool:
    """Team members write the learning summary while the grant is active and until it is published."""
    return is_team_member(user, proposal) and proposal.state in SUMMARY_EDITABLE


def can_open_summary_editor(user: User | None, proposal: Proposal) -> bool:
    """The editor page: writable as above, read-only once published."""
    return is_team_member(user, proposal) and proposal.state in REPORTING


def can_view_summary(user: User | None, proposal: Proposal) -> bool:
    """The preview, the PDF and the files of an unpublished summary: the team and program staff."""
    return is_team_member(user, proposal) or is_staff(user)


def can_consent_summary(user: User | None, proposal: Proposal) -> bool:
    """The team lead gives (or withdraws) the team's consent to publish, until it is published."""
    return is_team_lead(user, proposal) and proposal.state in SUMMARY_EDITABLE


def can_check_privacy(user: User | None, proposal: Proposal) -> bool:
    """Program staff run the privacy check, keep the block list and override flags."""
    return is_staff(user) and proposal.state in REPORTING


# -- PL requests (PL request helper) ----------------------------------------------------------
def is_pl_requester(user: User | None, request) -> bool:
    return bool(user and user.is_authenticated and user.id == request.requester_id)


def is_pl_school_leader(user: User | None, request) -> bool:
    """A school leader of the school the request was made from."""
    return bool(user and user.is_authenticated and user.has_role("school_leader")
                and request.school_id is not None and user.school_id == request.school_id)


def may_request_pl(user: User | None) -> bool:
    """Whether "Request this PL" may be offered: to educators, and to someone not signed in (the link leads
    to sign-in); never to a signed-in person without the educator role (the page would answer 403)."""
    if not (user and user.is_authenticated):
        return True
    return user.has_role("educator")


def can_view_pl_request(user: User | None, request) -> bool:
    """The requester and program staff always; once it has left the draft stage, the school leaders of
    its school (who endorse it) and the committee's co-chairs (who return it or decide it)."""
    if not (user and user.is_authenticated):
        return False
    if is_staff(user) or is_pl_requester(user, request):
        return True
    if request.state is PLRequestState.DRAFT:
        return False
    return is_pl_school_leader(user, request) or user.has_role("co_chair")


def can_edit_pl_request(user: User | None, request) -> bool:
    """The requester edits the request while it is a draft (new, or returned to them)."""
    return is_pl_requester(user, request) and request.state is PLRequestState.DRAFT


def can_complete_pl_request(user: User | None, request) -> bool:
    """The requester records attendance, a reflection, hours and PDPs once it is approved."""
    return is_pl_requester(user, request) and request.state is PLRequestState.APPROVED


def can_ask_for_pl_certificate(user: User | None, request) -> bool:
    """Program staff ask the educator for the certificate of a completed request."""
    return is_staff(user) and request.state is PLRequestState.COMPLETED


def can_upload_pl_certificate(user: User | None, request) -> bool:
    """The requester uploads the certificate once the completion is recorded."""
    return is_pl_requester(user, request) and request.state is PLRequestState.COMPLETED


def can_take_part_in_pl_decision(user: User | None) -> bool:
    """A co-chair with a side (PL requests have no conflicts of interest)."""
    return bool(user and user.is_authenticated and user.has_role("co_chair") and user.side is not None)
