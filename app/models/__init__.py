"""All models, importable from one place (Alembic sees them all through this module)."""
from app.core import search
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.grants import (
    BUDGET_LABELS,
    REQUIRED_SECTIONS,
    Attachment,
    BudgetCategory,
    BudgetLine,
    Cycle,
    GrantType,
    Proposal,
    RubricCriterion,
)
from app.models.learning import (
    HOURS,
    SURVEY_CLOSABLE,
    SURVEY_EDITABLE,
    NeedsSurvey,
    Opportunity,
    OpportunitySession,
    PLBudget,
    PLCertificate,
    PLDecision,
    PLDecisionOutcome,
    PLFormat,
    PLRequest,
    ProviderKind,
    Registration,
    RegistrationStatus,
    SurveyRating,
    SurveyResponse,
    SurveyStatus,
    Term,
    TermKind,
    educator_term,
    opportunity_term,
    proposal_priority,
    survey_topic,
)
from app.models.notify import Notification, OutboxMessage
from app.models.people import (
    EDUCATOR_ROLES,
    EmailDelivery,
    Role,
    School,
    SchoolLevel,
    Side,
    Team,
    TeamMember,
    TeamScope,
    User,
    UserRole,
)
from app.models.public import PublicVersion
from app.models.review import (
    ConflictOfInterest,
    CriterionScore,
    Decision,
    DecisionOutcome,
    Recommendation,
    ReviewAssignment,
    ReviewStatus,
)
from app.models.sharing import (
    FINAL_REPORT_SECTIONS,
    PROGRESS_SECTIONS,
    BlockedName,
    BudgetReallocation,
    CompendiumPdf,
    Expenditure,
    FinalReport,
    FlagKind,
    FlagStatus,
    LearningSummary,
    PrivacyFlag,
    ProgressReport,
    SummaryArtifact,
    SummaryPdf,
    summary_term,
)
from app.models.sign_in import BreakGlassAccount, SignInPolicy
from app.models.submissions import Submission
from workflows.pl_request import PLRequestState
from workflows.proposal import ProposalState

# create_all() makes the full-text indexes too, as the migration does (app/core/search.py).
search.created_with_tables(db.metadata)

__all__ = [
    "AuditEvent", "Attachment", "BUDGET_LABELS", "BudgetCategory", "BudgetLine", "ConflictOfInterest",
    "CriterionScore", "Cycle", "Decision", "DecisionOutcome", "EDUCATOR_ROLES", "EmailDelivery", "Expenditure",
    "FINAL_REPORT_SECTIONS", "FinalReport", "GrantType", "LearningSummary", "Proposal", "ProposalState",
    "REQUIRED_SECTIONS", "Recommendation", "ReviewAssignment", "ReviewStatus", "Role", "RubricCriterion",
    "School", "SchoolLevel", "Side", "Team", "TeamMember", "TeamScope", "User", "UserRole",
    "BlockedName", "BudgetReallocation", "CompendiumPdf", "FlagKind", "FlagStatus", "Notification", "OutboxMessage",
    "PROGRESS_SECTIONS", "PrivacyFlag", "ProgressReport", "SummaryArtifact", "SummaryPdf", "summary_term",
    "HOURS", "NeedsSurvey", "Opportunity", "OpportunitySession", "PLBudget", "PLCertificate", "PLDecision", "PLDecisionOutcome",
    "PLFormat", "PLRequest", "PLRequestState", "ProviderKind", "Registration", "RegistrationStatus",
    "SURVEY_CLOSABLE", "SURVEY_EDITABLE", "SurveyRating", "SurveyStatus", "SurveyResponse", "Term", "TermKind", "educator_term", "opportunity_term",
    "proposal_priority", "survey_topic",
    "Submission",
    "BreakGlassAccount", "SignInPolicy",
    "PublicVersion",
]
