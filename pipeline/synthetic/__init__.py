"""The fictional company: one generator for `demo`, the bundled sample and the benchmark.

`company.py` makes the rows (pure), `write.py` writes them as the templates' workbooks.
"""

from .company import BENCH, DEMO, PROFILES, OfficeData, Specials, Volume, company, office_list, specials_for
from .write import (
    COMMENTS,
    PARAMS_FILE,
    Company,
    DemoError,
    Summary,
    ensure_company,
    generate,
    is_generated,
    reference_bytes,
    submission_bytes,
    target_problem,
)

__all__ = [
    "BENCH", "COMMENTS", "DEMO", "PARAMS_FILE", "PROFILES", "Company", "DemoError", "OfficeData", "Specials",
    "Summary", "Volume", "company", "ensure_company", "generate", "is_generated", "office_list", "reference_bytes",
    "specials_for", "submission_bytes", "target_problem",
]
