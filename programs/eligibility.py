"""Eligibility rules, evaluated with reasons a person can read.

Pure functions over plain values (no database access), so every rule and its wording is
tested directly. Seed 000: mentors and mentees must be members or candidate members, a
mentor needs at least 8 years in the field, mentees of any level are welcome.
"""

from dataclasses import dataclass, field

ATTESTATION = "attestation"  # a check the applicant answers on the form itself


@dataclass(frozen=True)
class Check:
    ok: bool
    text: str
    kind: str = ""  # "status", "experience" or ATTESTATION

    def as_dict(self) -> dict:
        return {"ok": self.ok, "text": self.text}


@dataclass(frozen=True)
class EligibilityResult:
    checks: list[Check] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def reasons(self) -> list[str]:
        """Why not, in the applicant's words; empty when eligible."""
        return [check.text for check in self.checks if not check.ok]

    @property
    def reasons_before_the_form(self) -> list[str]:
        """Why not, from the membership and profile alone: what no answer on the application
        form can change (the attestations are confirmed on the form)."""
        return [check.text for check in self.checks if not check.ok and check.kind != ATTESTATION]

    def as_json(self) -> list[dict]:
        return [check.as_dict() for check in self.checks]


def _join_labels(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def evaluate(
    *,
    role_label: str,
    allowed_statuses: list[str],
    status_labels: dict[str, str],
    member_status: str,
    min_years_experience: int | None,
    year_started_practice: int | None,
    current_year: int,
    attestations: list[str],
    attestation_answers: dict[str, bool],
) -> EligibilityResult:
    """Evaluate one applicant against one program's rule for their role.

    ``role_label`` is "mentor" or "mentee" as shown to people; ``status_labels`` maps
    member-status values to their labels.
    """
    checks: list[Check] = []
    plural = f"{role_label}s"

    if allowed_statuses:
        your_status = status_labels.get(member_status, member_status)
        allowed = _join_labels([status_labels.get(s, s) for s in allowed_statuses])
        if member_status in allowed_statuses:
            checks.append(Check(True, f"Your member status ({your_status}) can apply as a {role_label}.", "status"))
        else:
            checks.append(
                Check(
                    False,
                    f"This program accepts {plural} whose member status is {allowed}; yours is {your_status}.",
                    "status",
                )
            )

    if min_years_experience:
        need = f"{plural.capitalize()} need at least {min_years_experience} years of experience in the field"
        if year_started_practice is None:
            checks.append(
                Check(
                    False,
                    f"{need}, and your profile does not say when you started practice. "
                    "Add the year to your profile, then submit again.",
                    "experience",
                )
            )
        else:
            years = max(0, current_year - year_started_practice)
            unit = "year" if years == 1 else "years"
            detail = f"your profile shows {years} {unit} (you started practice in {year_started_practice})"
            if years >= min_years_experience:
                checks.append(Check(True, f"{need}; {detail}.", "experience"))
            else:
                short = min_years_experience - years
                checks.append(
                    Check(
                        False,
                        f"{need}; {detail}. You can apply as a {role_label} in {short} "
                        f"{'year' if short == 1 else 'years'}.",
                        "experience",
                    )
                )

    for statement in attestations:
        if attestation_answers.get(statement) is True:
            checks.append(Check(True, f"You confirmed: “{statement}”", ATTESTATION))
        else:
            checks.append(Check(False, f"You did not confirm: “{statement}”", ATTESTATION))

    return EligibilityResult(checks=checks)
