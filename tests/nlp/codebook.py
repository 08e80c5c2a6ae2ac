"""A three-code codebook the engine tests share."""

from __future__ import annotations

from qualcode.domain.suggestions import CodeDescription

CODES = (
    CodeDescription(
        "c-work",
        "Workload",
        None,
        definition="Staff have too much work to do.",
        keywords=("caseload", "waiting list", "burnout"),
    ),
    CodeDescription(
        "c-stigma",
        "Stigma",
        None,
        definition="Being judged or labelled.",
        exclude="Not about money or benefits (use Finance)",
        keywords=("stigma", "judged", "personality disorder"),
    ),
    CodeDescription(
        "c-fin",
        "Finance",
        None,
        definition="Money, benefits and debt.",
        keywords=("money", "benefits", "debt"),
    ),
)
PATHS = [code.path for code in CODES]
