"""The form specs of the workbooks, and the registry that looks them up."""

from .accepted import ACCEPTED
from .clients import CLIENTS
from .cover import COVER, COVER_SHEET, INSTRUCTIONS_SHEET, META_SHEET
from .projects import PROJECTS
from .recruitment import PASSING_RATINGS, RATINGS, RECRUITMENT
from .reference import QUARTERS, REFERENCE
from .reviews import REVIEWS
from .spec import COVER_ROW, Earlier, Field, Form, NotAbove, NotBefore, RequiredWhen, Rule, Sheet
from .training import TRAINING
from .types import Choice, Date, FieldType, Integer, Number, Reading, Text

# The four forms each office submits every quarter, in the order they are shown.
OFFICE_FORMS: tuple[Form, ...] = (RECRUITMENT, TRAINING, CLIENTS, PROJECTS)
ALL_FORMS: tuple[Form, ...] = (*OFFICE_FORMS, REFERENCE, ACCEPTED, REVIEWS)
FORMS: dict[str, Form] = {f.id: f for f in ALL_FORMS}


def get_form(form_id: str) -> Form:
    """The form with this template_id; KeyError when unknown."""
    return FORMS[form_id]


__all__ = [
    "ACCEPTED", "ALL_FORMS", "CLIENTS", "COVER", "COVER_ROW", "COVER_SHEET", "Earlier", "FORMS", "INSTRUCTIONS_SHEET", "META_SHEET",
    "OFFICE_FORMS", "PASSING_RATINGS", "PROJECTS", "QUARTERS", "RATINGS", "RECRUITMENT",
    "REFERENCE", "REVIEWS", "TRAINING", "Choice", "Date", "Field", "Form", "Integer", "NotAbove", "NotBefore",
    "Number", "Reading", "RequiredWhen", "Rule", "Sheet", "Text", "FieldType", "get_form",
]
