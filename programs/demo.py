"""Demo data for the three program models (seeds 000, 002, 003).

Idempotent: running it again finds what exists and only fills in what is missing, so
``make run`` can call it on every start. Every row is looked up by its natural key
(organization slug, email, program slug, hub name, …) before it is created, and all
random choices come from fixed seeds, so the data is the same on every machine.

Each organization gets its program configured as in its seed document, profiles for its
members and a spread of applications whose eligibility is evaluated by the real rules
(``programs.application_services.check_eligibility``).
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from programs.application_services import check_eligibility
from programs.models import (
    DEFAULT_GOAL_AREAS,
    AffinityGroup,
    Application,
    ApplicationStatus,
    Cadence,
    EligibilityRule,
    GoalArea,
    Hub,
    HubChoice,
    HubMentor,
    HubTheme,
    InPersonCadence,
    MeetingMode,
    Membership,
    MemberStatus,
    Organization,
    PracticeSetting,
    Profile,
    Program,
    ProgramModel,
    Role,
)

DEMO_PASSWORD = "mentorship-demo-2026"

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Carmen",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonah",
    "Kavya",
    "Liam",
    "Mei",
    "Nikolai",
    "Olivia",
    "Pedro",
    "Quinn",
    "Rania",
    "Samuel",
    "Tara",
    "Umar",
    "Valeria",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aditi",
    "Bruno",
    "Chloe",
    "Dmitri",
    "Esther",
    "Felix",
    "Gabriela",
    "Hassan",
    "Isla",
    "Jamal",
    "Keiko",
    "Luca",
    "Maya",
    "Noah",
]
LAST_NAMES = [
    "Adeyemi",
    "Becker",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Goldberg",
    "Hashemi",
    "Ibrahim",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quintero",
    "Rossi",
    "Schneider",
    "Tanaka",
    "Umeh",
    "Varga",
    "Whitaker",
    "Xu",
    "Yamamoto",
    "Zielinski",
    "Agarwal",
    "Brennan",
    "Chen",
    "Delgado",
    "Esposito",
    "Fischer",
    "Gupta",
    "Haddad",
    "Iversen",
    "Johansson",
    "Kim",
    "Lopez",
    "Murphy",
    "Nguyen",
]


@dataclass(frozen=True)
class DemoPerson:
    email: str
    full_name: str
    status: str
    is_coordinator: bool = False
    is_committee: bool = False


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    contact_email: str
    description: str
    model: str
    named_people: tuple[DemoPerson, ...]
    member_count: int
    statuses: tuple[tuple[str, int], ...]  # (status, weight) for generated members
    seed: int
    email_domain: str


# The person who belongs to all three organizations (shows the organization switcher).
MULTI_ORG_EMAIL = "sam.rivera@example.org"

ORGANIZATIONS = (
    DemoOrganization(
        slug="western-surgical",
        name="Western Surgical Society",
        contact_email="mentorship@western-surgical.example.org",
        description=(
            "The society's Mentorship Program pairs seasoned surgeons with less experienced "
            "colleagues. The Mentorship Program Committee proposes each pairing from practice "
            "setting, specialization, experience, goals and geography; both parties agree before "
            "a pairing is final. Mentors have at least 8 years in practice."
        ),
        model="committee",
        named_people=(
            DemoPerson("coordinator@western-surgical.example.org", "Dana Whitfield", MemberStatus.MEMBER, True),
            DemoPerson(
                "committee.chair@western-surgical.example.org", "Robert Okonkwo", MemberStatus.MEMBER, False, True
            ),
            DemoPerson("committee@western-surgical.example.org", "Priya Raman", MemberStatus.MEMBER, False, True),
            DemoPerson(
                "committee.member@western-surgical.example.org", "Thomas Albrecht", MemberStatus.MEMBER, False, True
            ),
            DemoPerson(MULTI_ORG_EMAIL, "Sam Rivera", MemberStatus.CANDIDATE),
        ),
        member_count=36,
        statuses=((MemberStatus.MEMBER, 7), (MemberStatus.CANDIDATE, 3)),
        seed=1,
        email_domain="western-surgical.example.org",
    ),
    DemoOrganization(
        slug="lakeshore-anesthesiology",
        name="Lakeshore University Department of Anesthesiology",
        contact_email="faculty.affairs@lakeshore-anesthesiology.example.org",
        description=(
            "The Faculty Mentorship Program pairs every faculty member with a mentor in one of the "
            "department's hubs of scholarly excellence, grouped into affinity groups led by senior "
            "mentors. Faculty rank their top three hubs; the Office of Faculty Affairs finalizes pairings."
        ),
        model="hubs",
        named_people=(
            DemoPerson("coordinator@lakeshore-anesthesiology.example.org", "Marisol Vega", MemberStatus.FACULTY, True),
            DemoPerson(
                "committee@lakeshore-anesthesiology.example.org", "Kenji Watanabe", MemberStatus.FACULTY, False, True
            ),
            DemoPerson(MULTI_ORG_EMAIL, "Sam Rivera", MemberStatus.FACULTY),
        ),
        member_count=48,
        statuses=((MemberStatus.FACULTY, 1),),
        seed=2,
        email_domain="lakeshore-anesthesiology.example.org",
    ),
    DemoOrganization(
        slug="radonc-alumni",
        name="Radiation Oncology Alumni Mentoring Network",
        contact_email="alumni.mentoring@radonc-alumni.example.org",
        description=(
            "Alumni volunteer as virtual mentors and write a biosketch; trainees browse the "
            "biosketches and request a mentor with guidance from the program leads. Pairs sign an "
            "agreement, meet at least twice a year and re-assess after one year."
        ),
        model="self-select",
        named_people=(
            DemoPerson("coordinator@radonc-alumni.example.org", "Helen Marsh", MemberStatus.ALUMNI, True),
            DemoPerson("lead@radonc-alumni.example.org", "Arjun Mehta", MemberStatus.ALUMNI, True, True),
            DemoPerson(MULTI_ORG_EMAIL, "Sam Rivera", MemberStatus.ALUMNI),
        ),
        member_count=30,
        statuses=((MemberStatus.ALUMNI, 3), (MemberStatus.TRAINEE, 2)),
        seed=3,
        email_domain="radonc-alumni.example.org",
    ),
)


def _generated_people(org: DemoOrganization) -> list[DemoPerson]:
    rng = random.Random(org.seed)
    statuses = [s for s, weight in org.statuses for _ in range(weight)]
    people, seen = [], set()
    while len(people) < org.member_count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        email = f"{first}.{last}@{org.email_domain}".lower()
        people.append(DemoPerson(email, f"{first} {last}", rng.choice(statuses)))
    return people


S = ApplicationStatus
VIDEO, PHONE, IN_PERSON = MeetingMode.VIDEO, MeetingMode.PHONE, MeetingMode.IN_PERSON


@dataclass(frozen=True)
class AppSpec:
    """One demo application. ``days_ago``: when it was submitted (or started, for drafts)."""

    role: str
    status: str
    statement: str
    areas: tuple[str, ...]
    modes: tuple[str, ...] = (VIDEO,)
    preferences: str = ""
    capacity: int | None = None
    hubs: tuple[str, ...] = ()
    days_ago: int = 14
    decision: str = ""


@dataclass(frozen=True)
class Persona:
    """A demo applicant: profile details that must hold for the story, and the application."""

    profile: dict = field(default_factory=dict)
    application: AppSpec | None = None


HOBBIES = (
    "Outside work I coach my kids' soccer team and try to get into the mountains most weekends.",
    "I'm a keen cyclist and commute by bike whenever the weather allows.",
    "I spend weekends with my family and am slowly learning to play the cello.",
    "I run a couple of half marathons a year and cook far too ambitiously.",
    "I grew up on a farm and still spend part of every summer there.",
    "Away from the hospital you'll find me fly fishing or reading history.",
    "I'm a parent of three and have strong opinions about school pick-up logistics.",
    "I volunteer with a free clinic once a month and play in a recreational hockey league.",
    "I love travel, photography and long walks with a very energetic dog.",
    "I garden, bake bread and am trying to get better at saying no.",
    "I moved here from abroad and enjoy helping colleagues who are new to the country.",
    "I'm an amateur woodworker and a terrible but enthusiastic golfer.",
)

LANGUAGES = (
    ("English", 12),
    ("English, Spanish", 3),
    ("English, French", 2),
    ("English, Mandarin", 1),
    ("English, Punjabi", 1),
    ("English, Tagalog", 1),
    ("English, Korean", 1),
    ("English, Farsi", 1),
    ("English, Portuguese", 1),
)


def _weighted(rng: random.Random, options) -> str:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _person_rng(org_slug: str, email: str) -> random.Random:
    # A string seed is hashed deterministically (not affected by PYTHONHASHSEED).
    return random.Random(f"{org_slug}:{email}")


def _this_year() -> int:
    return timezone.now().year


# --- Western Surgical Society (seed 000): committee model ----------------------------------

# Seed 000's "possible topics for discussion", then a few of the default goal areas.
SOCIETY_GOAL_AREAS = (
    "Building a personal reputation of excellence",
    "Building a referral pipeline",
    "Techniques to enhance patient experience",
    "Techniques to enhance the surgeon's own career experience",
    "Balancing professional and personal life and improving overall wellness",
    "Overcoming obstacles to career development",
    "Pursuing and navigating leadership opportunities",
    "Identifying opportunities for involvement in societies",
    "Identifying opportunities for volunteerism",
    "Achieving and maintaining the highest ethical standards",
    "Dealing with medico-legal issues",
    "Board preparation",
    "Success in research",
    "Writing manuscripts",
    "Career development and job search",
    "Preparing for promotion",
)
REPUTATION, REFERRALS, PATIENT_EXPERIENCE, CAREER_EXPERIENCE, BALANCE, OBSTACLES = SOCIETY_GOAL_AREAS[:6]
LEADERSHIP, SOCIETIES, VOLUNTEERING, ETHICS, MEDICO_LEGAL = SOCIETY_GOAL_AREAS[6:11]
BOARDS, RESEARCH, MANUSCRIPTS, JOB_SEARCH, PROMOTION = SOCIETY_GOAL_AREAS[11:]

SURGICAL_SPECIALTIES = {
    "General surgery": (
        ["hernia repair", "gallbladder and foregut surgery", "emergency general surgery", "endoscopy"],
        ["surgical site infection", "rural surgical workforce", "outcomes of emergency laparotomy"],
    ),
    "Vascular surgery": (
        ["aortic aneurysm repair", "limb salvage", "dialysis access", "carotid disease"],
        ["endovascular outcomes", "amputation prevention", "vascular registry data"],
    ),
    "Colorectal surgery": (
        ["robotic rectal cancer surgery", "inflammatory bowel disease", "pelvic floor disorders"],
        ["enhanced recovery pathways", "anastomotic leak", "colorectal cancer screening"],
    ),
    "Trauma and acute care surgery": (
        ["trauma resuscitation", "emergency general surgery", "surgical critical care"],
        ["trauma systems", "violence prevention", "geriatric trauma outcomes"],
    ),
    "Surgical oncology": (
        ["pancreatic and liver tumours", "melanoma and sarcoma", "peritoneal malignancy"],
        ["neoadjuvant therapy trials", "cancer disparities", "tumour board decision-making"],
    ),
    "Pediatric surgery": (
        ["neonatal surgery", "pediatric trauma", "minimally invasive pediatric surgery"],
        ["appendicitis care pathways", "family-centred care", "regionalization of pediatric surgery"],
    ),
    "Endocrine surgery": (
        ["thyroid and parathyroid surgery", "adrenal surgery", "neck ultrasound"],
        ["recurrent laryngeal nerve monitoring", "thyroid cancer overtreatment"],
    ),
    "Hepatopancreatobiliary surgery": (
        ["liver resection", "Whipple procedures", "biliary reconstruction"],
        ["perioperative outcomes after pancreatectomy", "liver regeneration"],
    ),
    "Bariatric and minimally invasive surgery": (
        ["sleeve gastrectomy and gastric bypass", "revisional bariatric surgery", "robotic foregut surgery"],
        ["long-term weight outcomes", "metabolic surgery in adolescents"],
    ),
    "Breast surgery": (
        ["breast cancer surgery", "oncoplastic techniques", "high-risk breast clinics"],
        ["de-escalation of axillary surgery", "survivorship"],
    ),
    "Thoracic surgery": (
        ["lung cancer resection", "esophageal surgery", "robotic thoracic surgery"],
        ["lung cancer screening", "frailty and thoracic outcomes"],
    ),
    "Transplant surgery": (
        ["kidney and liver transplantation", "living donation", "organ procurement"],
        ["organ allocation policy", "donor outcomes"],
    ),
}

WESTERN_PLACES = (
    ("Seattle", "Washington", "United States", "America/Los_Angeles"),
    ("Spokane", "Washington", "United States", "America/Los_Angeles"),
    ("Tacoma", "Washington", "United States", "America/Los_Angeles"),
    ("Portland", "Oregon", "United States", "America/Los_Angeles"),
    ("Eugene", "Oregon", "United States", "America/Los_Angeles"),
    ("Boise", "Idaho", "United States", "America/Boise"),
    ("Salt Lake City", "Utah", "United States", "America/Denver"),
    ("Denver", "Colorado", "United States", "America/Denver"),
    ("Colorado Springs", "Colorado", "United States", "America/Denver"),
    ("Albuquerque", "New Mexico", "United States", "America/Denver"),
    ("Phoenix", "Arizona", "United States", "America/Phoenix"),
    ("Tucson", "Arizona", "United States", "America/Phoenix"),
    ("Las Vegas", "Nevada", "United States", "America/Los_Angeles"),
    ("Reno", "Nevada", "United States", "America/Los_Angeles"),
    ("Sacramento", "California", "United States", "America/Los_Angeles"),
    ("San Francisco", "California", "United States", "America/Los_Angeles"),
    ("Fresno", "California", "United States", "America/Los_Angeles"),
    ("Los Angeles", "California", "United States", "America/Los_Angeles"),
    ("San Diego", "California", "United States", "America/Los_Angeles"),
    ("Billings", "Montana", "United States", "America/Denver"),
    ("Anchorage", "Alaska", "United States", "America/Anchorage"),
    ("Honolulu", "Hawaii", "United States", "Pacific/Honolulu"),
    ("Vancouver", "British Columbia", "Canada", "America/Vancouver"),
    ("Victoria", "British Columbia", "Canada", "America/Vancouver"),
    ("Kelowna", "British Columbia", "Canada", "America/Vancouver"),
    ("Calgary", "Alberta", "Canada", "America/Edmonton"),
    ("Edmonton", "Alberta", "Canada", "America/Edmonton"),
    ("Saskatoon", "Saskatchewan", "Canada", "America/Regina"),
    ("Winnipeg", "Manitoba", "Canada", "America/Winnipeg"),
)
PLACE_BY_CITY = {place[0]: place for place in WESTERN_PLACES}

SOCIETY_SETTINGS = (
    (PracticeSetting.ACADEMIC, 3),
    (PracticeSetting.PRIVATE, 3),
    (PracticeSetting.COMMUNITY, 3),
    (PracticeSetting.MILITARY, 1),
    (PracticeSetting.GOVERNMENT, 1),
)
SETTING_PHRASES = {
    PracticeSetting.ACADEMIC: "an academic department",
    PracticeSetting.PRIVATE: "a private group practice",
    PracticeSetting.COMMUNITY: "a community hospital",
    PracticeSetting.MILITARY: "a military treatment facility",
    PracticeSetting.GOVERNMENT: "a VA medical center",
}


def _institution(setting: str, city: str, country: str) -> str:
    if setting == PracticeSetting.ACADEMIC:
        return f"{city} Health Sciences Centre" if country == "Canada" else f"{city} University Hospital"
    if setting == PracticeSetting.PRIVATE:
        return f"{city} Surgical Associates"
    if setting == PracticeSetting.MILITARY:
        return f"{city} Military Medical Center"
    if setting == PracticeSetting.GOVERNMENT:
        return f"{city} VA Medical Center"
    return f"{city} Regional Medical Center"


def _society_profile(email: str, overrides: dict, *, senior: bool = False) -> dict:
    rng = _person_rng("western-surgical", email)
    specialty = overrides.get("specialty") or rng.choice(sorted(SURGICAL_SPECIALTIES))
    setting = overrides.get("practice_setting") or _weighted(rng, SOCIETY_SETTINGS)
    city, region, country, tz = PLACE_BY_CITY[overrides["city"]] if "city" in overrides else rng.choice(WESTERN_PLACES)
    if "years" in overrides:
        years = overrides["years"]
    elif senior:
        years = rng.randint(15, 30)
    else:  # some early-career surgeons, most past the mentors' 8 years
        years = rng.randint(2, 7) if rng.random() < 0.3 else rng.randint(8, 30)
    started = _this_year() - years
    clinical_pool, research_pool = SURGICAL_SPECIALTIES[specialty]
    clinical = rng.sample(clinical_pool, min(len(clinical_pool), rng.randint(2, 3)))
    research = rng.sample(research_pool, rng.randint(1, 2))
    bio = (
        f"I'm a {specialty.lower().replace(' surgery', '')} surgeon in {SETTING_PHRASES[setting]} in {city}, "
        f"in practice since {started}. Most of my week goes to {clinical[0]} and {clinical[1]}, and I have an "
        f"ongoing interest in {research[0]}. {rng.choice(HOBBIES)}"
    )
    return {
        "specialty": specialty,
        "practice_setting": setting,
        "year_started_practice": started,
        "institution": _institution(setting, city, country),
        "city": city,
        "region": region,
        "country": country,
        "time_zone": tz,
        "clinical_interests": ", ".join(clinical).capitalize(),
        "research_interests": ", ".join(research).capitalize(),
        "languages": ("English, French" if country == "Canada" and rng.random() < 0.3 else _weighted(rng, LANGUAGES)),
        "bio": bio,
    }


SAM_SOCIETY = Persona(
    {"specialty": "General surgery", "practice_setting": PracticeSetting.COMMUNITY, "years": 3, "city": "Boise"},
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I'm three years out of residency and the only fellowship-trained minimally invasive surgeon at a "
        "120-bed community hospital. I'd like help building a referral base without stepping on the senior "
        "partners' toes, and an outside view on whether to accept the surgical director role I've been offered "
        "before I'm really established.",
        (REFERRALS, LEADERSHIP, BALANCE),
        (VIDEO, PHONE),
        "Ideally someone who has worked in community practice and moved into hospital leadership.",
        days_ago=6,
    ),
)

SOCIETY_MENTEES = (
    Persona(
        {"specialty": "Vascular surgery", "practice_setting": PracticeSetting.ACADEMIC, "years": 2, "city": "Seattle"},
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "Eighteen months into my first faculty job. My chair expects a funded outcomes project within three "
            "years, and I'm also trying to build an endovascular practice from scratch. I'd like help choosing one "
            "research question and saying no to the rest, and some honest advice on preparing for the vascular "
            "oral boards next spring.",
            (RESEARCH, BOARDS, OBSTACLES),
            (VIDEO,),
            "A vascular surgeon outside my own institution, ideally with some grant experience.",
            days_ago=21,
        ),
    ),
    Persona(
        {"specialty": "Colorectal surgery", "practice_setting": PracticeSetting.PRIVATE, "years": 5, "city": "Phoenix"},
        AppSpec(
            Role.MENTEE,
            S.ACCEPTED,
            "I'm coming up for partnership next year and have questions I can't comfortably ask my own partners: "
            "the buy-in, call burden, whether to keep operating robotically at two hospitals. I was also named in "
            "a lawsuit for the first time last spring and would value talking to someone who has been through one.",
            (CAREER_EXPERIENCE, MEDICO_LEGAL, BALANCE),
            (PHONE, VIDEO),
            days_ago=27,
            decision="Welcome to the program! The committee will propose a mentor within the next few weeks.",
        ),
    ),
    Persona(
        {
            "specialty": "Trauma and acute care surgery",
            "practice_setting": PracticeSetting.ACADEMIC,
            "years": 4,
            "city": "Denver",
        },
        AppSpec(
            Role.MENTEE,
            S.ACCEPTED,
            "I love trauma surgery but in-house call every third night with two small children is wearing me "
            "down. I want to reshape my practice rather than leave it, and I'd like to get involved in the state "
            "trauma committee and become an ATLS instructor. I need someone who has made that kind of career "
            "sustainable.",
            (BALANCE, SOCIETIES, OBSTACLES),
            (VIDEO, IN_PERSON),
            "Another trauma surgeon, ideally a parent.",
            days_ago=25,
            decision="Welcome to the program! We have a trauma surgeon in mind and will be in touch soon.",
        ),
    ),
    Persona(
        {
            "specialty": "Surgical oncology",
            "practice_setting": PracticeSetting.ACADEMIC,
            "years": 6,
            "city": "Vancouver",
        },
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "My promotion dossier for associate professor is due in eighteen months. Most of my work is on "
            "multicentre trials where I'm a middle author, and I'm not sure how to present that. I've also just "
            "been asked to lead our HPB tumour board and would like advice on running it well.",
            (PROMOTION, MANUSCRIPTS, LEADERSHIP),
            (VIDEO,),
            days_ago=12,
        ),
    ),
    Persona(
        {
            "specialty": "Pediatric surgery",
            "practice_setting": PracticeSetting.ACADEMIC,
            "years": 3,
            "city": "Salt Lake City",
        },
        AppSpec(
            Role.MENTEE,
            S.WAITLISTED,
            "I'm the only pediatric surgeon at a satellite children's hospital that draws from three states. I "
            "want to build relationships with referring pediatricians and family physicians who have never met "
            "me, and make the experience better for families who travel hours for a clinic visit.",
            (REFERRALS, PATIENT_EXPERIENCE, REPUTATION),
            (VIDEO, PHONE),
            "A pediatric surgeon if possible; someone from a regional referral centre would be ideal.",
            days_ago=24,
            decision=(
                "Thank you for applying. None of this year's mentors is a pediatric surgeon, so we have placed "
                "you on the waitlist while we recruit one. We will contact you as soon as we can offer a match."
            ),
        ),
    ),
    Persona(
        {"specialty": "General surgery", "practice_setting": PracticeSetting.MILITARY, "years": 2, "city": "San Diego"},
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "I'm a Navy general surgeon with two years left on my service commitment. I'd like to start thinking "
            "about civilian practice now: what kind of job to look for, how to read a contract, and how to keep my "
            "operative volume up while deployed.",
            (JOB_SEARCH, OBSTACLES),
            (VIDEO, PHONE),
            "Someone who has made the transition from military to civilian practice.",
            days_ago=9,
        ),
    ),
    Persona(
        {"specialty": "Endocrine surgery", "practice_setting": PracticeSetting.PRIVATE, "years": 10, "city": "Calgary"},
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "I've been in practice for ten years but I'm new to leadership: I was just elected chief of surgery at "
            "my hospital. I'd like a sounding board outside my institution for handling conflict between "
            "partners, running a department meeting people actually come to, and keeping my own practice going.",
            (LEADERSHIP, ETHICS),
            (PHONE,),
            days_ago=4,
        ),
    ),
    Persona(
        {"specialty": "Breast surgery", "practice_setting": PracticeSetting.COMMUNITY, "years": 7, "city": "Portland"},
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "Clinically I'm settled, and now I'd like to give something back: committee work in the society, "
            "maybe presenting at the annual meeting, and a short-term surgical outreach trip. I don't know where "
            "to start or how people fit this around a busy practice.",
            (SOCIETIES, VOLUNTEERING, REPUTATION),
            (VIDEO, IN_PERSON),
            days_ago=15,
        ),
    ),
    Persona(
        {
            "specialty": "Bariatric and minimally invasive surgery",
            "practice_setting": PracticeSetting.COMMUNITY,
            "years": 2,
            "city": "Reno",
        },
        AppSpec(
            Role.MENTEE,
            S.DRAFT,
            "Still working on this. Main thing: building a bariatric program at a hospital that has never had one.",
            (REFERRALS,),
            (VIDEO,),
            days_ago=3,
        ),
    ),
    Persona(
        {"specialty": "General surgery", "practice_setting": PracticeSetting.COMMUNITY, "years": 4, "city": "Billings"},
        AppSpec(Role.MENTEE, S.DRAFT, "", (), (), days_ago=1),
    ),
    Persona(
        {
            "specialty": "Hepatopancreatobiliary surgery",
            "practice_setting": PracticeSetting.ACADEMIC,
            "years": 3,
            "city": "Edmonton",
        },
        AppSpec(
            Role.MENTEE,
            S.WITHDRAWN,
            "I'd like help planning a research program in pancreatic cancer outcomes alongside a busy HPB "
            "practice, and advice on my first grant submission.",
            (RESEARCH, MANUSCRIPTS),
            (VIDEO,),
            days_ago=28,
        ),
    ),
    Persona(
        {
            "specialty": "Transplant surgery",
            "practice_setting": PracticeSetting.ACADEMIC,
            "years": 2,
            "city": "Los Angeles",
        },
        AppSpec(
            Role.MENTEE,
            S.DECLINED,
            "I'd like an experienced transplant surgeon to review my recent complications case by case and go "
            "through my operative videos with me before my next few living-donor cases.",
            (REPUTATION,),
            (VIDEO,),
            days_ago=26,
            decision=(
                "Thank you for applying. The program complements the training at your own institution and its "
                "mentors cannot act as tutors on patient-specific clinical issues, so we cannot offer a pairing "
                "for these goals. You are very welcome to apply again with broader career goals."
            ),
        ),
    ),
)

SOCIETY_MENTORS = (
    Persona(  # 7 years: one short of the rule, so the real check says not eligible
        {"specialty": "General surgery", "practice_setting": PracticeSetting.COMMUNITY, "years": 7, "city": "Tacoma"},
        AppSpec(
            Role.MENTOR,
            S.INELIGIBLE,
            "I was chief resident and have supervised residents on our community rotation ever since. I'd love to "
            "help newer surgeons set up a community general surgery practice and find their feet on call.",
            (CAREER_EXPERIENCE, BALANCE),
            (VIDEO, PHONE),
            capacity=1,
            days_ago=11,
        ),
    ),
    Persona(
        {
            "specialty": "Colorectal surgery",
            "practice_setting": PracticeSetting.PRIVATE,
            "years": 22,
            "city": "Phoenix",
        },
        AppSpec(
            Role.MENTOR,
            S.ACCEPTED,
            "Twenty-two years in private practice, eight as managing partner of a twelve-surgeon group. I can help "
            "with partnership decisions, contracts, building referrals and the business side nobody teaches in "
            "residency. I have also served as an expert reviewer and can talk through medico-legal worries.",
            (CAREER_EXPERIENCE, REFERRALS, MEDICO_LEGAL),
            (PHONE, VIDEO, IN_PERSON),
            capacity=2,
            days_ago=29,
            decision="Thank you for volunteering! The committee will propose a pairing shortly.",
        ),
    ),
    Persona(
        {
            "specialty": "Trauma and acute care surgery",
            "practice_setting": PracticeSetting.ACADEMIC,
            "years": 18,
            "city": "Seattle",
        },
        AppSpec(
            Role.MENTOR,
            S.ACCEPTED,
            "I direct a level I trauma centre and chaired the state trauma committee for six years. Happy to talk "
            "about building a sustainable acute care surgery career, call schedules, getting involved in trauma "
            "systems work, and staying well in a specialty with a lot of nights.",
            (BALANCE, SOCIETIES, LEADERSHIP),
            (VIDEO, IN_PERSON),
            capacity=1,
            days_ago=28,
            decision="Thank you for volunteering! The committee will propose a pairing shortly.",
        ),
    ),
    Persona(
        {
            "specialty": "Surgical oncology",
            "practice_setting": PracticeSetting.ACADEMIC,
            "years": 25,
            "city": "Vancouver",
        },
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "Professor of surgery, former division head and promotions committee member. I'm glad to help with "
            "promotion dossiers, clinical trials, writing, and learning to lead a multidisciplinary team.",
            (PROMOTION, RESEARCH, MANUSCRIPTS, LEADERSHIP),
            (VIDEO,),
            capacity=2,
            days_ago=20,
        ),
    ),
    Persona(
        {
            "specialty": "Vascular surgery",
            "practice_setting": PracticeSetting.ACADEMIC,
            "years": 14,
            "city": "Sacramento",
        },
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "I run a vascular outcomes group and have mentored several junior faculty through their first grants. "
            "I can help with choosing a focused research question, protecting research time and preparing for the "
            "vascular boards.",
            (RESEARCH, BOARDS, OBSTACLES),
            (VIDEO, PHONE),
            capacity=2,
            days_ago=17,
        ),
    ),
    Persona(
        {
            "specialty": "Pediatric surgery",
            "practice_setting": PracticeSetting.ACADEMIC,
            "years": 12,
            "city": "Winnipeg",
        },
        AppSpec(
            Role.MENTOR,
            S.WITHDRAWN,
            "Pediatric surgeon at a regional children's hospital; I built our outreach clinics across the "
            "province and would be glad to share what worked.",
            (REFERRALS, PATIENT_EXPERIENCE),
            (VIDEO,),
            capacity=1,
            days_ago=22,
        ),
    ),
    Persona(
        {
            "specialty": "General surgery",
            "practice_setting": PracticeSetting.COMMUNITY,
            "years": 30,
            "city": "Kelowna",
        },
        AppSpec(
            Role.MENTOR,
            S.ACCEPTED,
            "Thirty years of rural and community general surgery, including a stint as chief of staff. I'm happy "
            "to talk about anything from ethics committee work to surviving a solo call schedule in a small town "
            "while still having a life outside the hospital.",
            (ETHICS, BALANCE, REPUTATION, LEADERSHIP),
            (PHONE, VIDEO, IN_PERSON),
            capacity=2,
            days_ago=26,
            decision="Thank you for volunteering again this year!",
        ),
    ),
    Persona(
        {"specialty": "Endocrine surgery", "practice_setting": PracticeSetting.PRIVATE, "years": 16, "city": "Denver"},
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "I lead a private endocrine surgery practice and served on my hospital's board. I can help with "
            "leadership transitions, handling conflict among partners and keeping your clinical practice healthy "
            "while taking on administrative work.",
            (LEADERSHIP, CAREER_EXPERIENCE, ETHICS),
            (PHONE, VIDEO),
            capacity=1,
            days_ago=8,
        ),
    ),
    Persona(
        {
            "specialty": "Breast surgery",
            "practice_setting": PracticeSetting.GOVERNMENT,
            "years": 11,
            "city": "Portland",
        },
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "After eight years in the Air Force I now practise at a VA medical center. I've been on three society "
            "committees and organise an annual outreach trip, so I can help with society involvement, volunteering "
            "and the military-to-civilian transition.",
            (SOCIETIES, VOLUNTEERING, JOB_SEARCH),
            (VIDEO, PHONE),
            capacity=2,
            days_ago=13,
        ),
    ),
    Persona(
        {
            "specialty": "Transplant surgery",
            "practice_setting": PracticeSetting.ACADEMIC,
            "years": 9,
            "city": "San Francisco",
        },
        AppSpec(
            Role.MENTOR,
            S.DRAFT,
            "Transplant surgeon, nine years in. Happy to help with",
            (RESEARCH,),
            (VIDEO,),
            capacity=1,
            days_ago=2,
        ),
    ),
    Persona(
        {
            "specialty": "Bariatric and minimally invasive surgery",
            "practice_setting": PracticeSetting.PRIVATE,
            "years": 20,
            "city": "Las Vegas",
        },
        AppSpec(
            Role.MENTOR,
            S.WAITLISTED,
            "I started a bariatric program at a community hospital twenty years ago and it is now a regional "
            "centre of excellence. I can help with program building, referrals and patient experience.",
            (REFERRALS, PATIENT_EXPERIENCE, REPUTATION),
            (PHONE, VIDEO),
            capacity=2,
            days_ago=19,
            decision=(
                "Thank you for volunteering. We have more mentors than mentees this cycle, so you are on our "
                "waitlist and will be the first we contact when a bariatric surgeon applies as a mentee."
            ),
        ),
    ),
)


# --- Lakeshore Anesthesiology (seed 002): hubs of scholarly excellence ----------------------

R, E, L, SV = HubTheme.RESEARCH, HubTheme.EDUCATION, HubTheme.LEADERSHIP, HubTheme.SERVICE

# (affinity group, description, faculty specialty, clinical interests, hubs: (name, theme, description))
AFFINITY_GROUPS = (
    (
        "Perioperative Medicine and Outcomes",
        "Hubs that study and improve what happens to patients before, during and after surgery.",
        "General anesthesiology",
        "perioperative medicine, preoperative assessment clinic, ambulatory anesthesia",
        (
            ("Perioperative Outcomes Research", R, "Registry and trial work on complications after surgery."),
            ("Preoperative Assessment and Optimization", SV, "Runs the preoperative clinic and its pathways."),
            ("Enhanced Recovery After Surgery", SV, "Builds and audits ERAS pathways with the surgical services."),
            ("Postoperative Delirium and Cognition", R, "Studies delirium and cognitive recovery in older patients."),
            ("Geriatric Anesthesia", R, "Frailty screening and anesthetic care for patients over 75."),
            ("Health Services and Big Data Research", R, "Uses the perioperative data warehouse to answer questions."),
        ),
    ),
    (
        "Cardiothoracic and Critical Care",
        "Hubs for the sickest patients: cardiac and thoracic surgery, the ICU and mechanical support.",
        "Cardiothoracic anesthesiology",
        "cardiac anesthesia, transesophageal echocardiography, surgical ICU",
        (
            ("Critical Care Medicine", R, "Clinical research and quality projects in the surgical ICU."),
            ("Cardiac Anesthesia and Perioperative Echocardiography", E, "Teaching and research in TEE."),
            ("ECMO and Mechanical Circulatory Support", R, "Outcomes of patients on ECMO and assist devices."),
            ("Sepsis and Resuscitation Science", R, "Translational studies of shock, fluids and vasopressors."),
            ("Transplant Anesthesia", SV, "Anesthetic care pathways for liver, lung and heart transplant."),
            ("Thoracic Anesthesia", E, "Lung isolation, one-lung ventilation and thoracic ERAS."),
        ),
    ),
    (
        "Pain and Regional Anesthesia",
        "Hubs covering acute and chronic pain, regional techniques and opioid stewardship.",
        "Regional anesthesiology and acute pain medicine",
        "peripheral nerve blocks, acute pain service, chronic pain clinic",
        (
            ("Regional Anesthesia", E, "Ultrasound-guided nerve block teaching and block-room research."),
            ("Pain Medicine", R, "Clinical trials in chronic pain and interventional procedures."),
            ("Acute Pain and Opioid Stewardship", SV, "Reduces opioid prescribing after surgery."),
            ("Chronic Postsurgical Pain", R, "Why some patients still hurt a year after surgery."),
            ("Neuromodulation", R, "Spinal cord stimulation and other neuromodulation outcomes."),
            ("Cancer Pain and Palliative Care", SV, "Pain and symptom care with the palliative care team."),
        ),
    ),
    (
        "Women's and Children's Health",
        "Hubs for obstetric, pediatric and fetal anesthesia.",
        "Pediatric anesthesiology",
        "pediatric anesthesia, obstetric anesthesia, labour analgesia",
        (
            ("Obstetric Anesthesia", R, "Labour analgesia, cesarean delivery and postpartum recovery."),
            ("Maternal Health Outcomes", R, "Severe maternal morbidity and equity in obstetric care."),
            ("Pediatric Anesthesia Research", R, "Anesthetic neurotoxicity and pediatric perioperative outcomes."),
            ("Pediatric Pain and Sedation", SV, "Sedation outside the operating room and pediatric pain."),
            ("Fetal and Neonatal Anesthesia", R, "Anesthesia for fetal surgery and the newborn."),
            ("Congenital Heart Disease Anesthesia", E, "Care of children and adults with congenital heart disease."),
        ),
    ),
    (
        "Education and Simulation",
        "Hubs that teach residents, fellows, students and each other, and study how people learn.",
        "General anesthesiology",
        "general operating room anesthesia, resident supervision",
        (
            ("Simulation-Based Education", E, "Crisis resource management and in-situ simulation."),
            ("Medical Education Scholarship", E, "Turns teaching into publishable education research."),
            ("Residency Curriculum Design", E, "Designs and evaluates the residency curriculum."),
            ("Competency-Based Assessment", E, "Milestones, entrustable activities and feedback tools."),
            ("Point-of-Care Ultrasound", E, "POCUS teaching for residents and faculty."),
            ("Medical Student Education", E, "The anesthesiology clerkship and student research."),
        ),
    ),
    (
        "Quality, Safety and Systems",
        "Hubs that make anesthetic care safer and the operating rooms run better.",
        "General anesthesiology",
        "operating room management, quality improvement",
        (
            ("Quality and Patient Safety", SV, "Incident review, morbidity conference and safety projects."),
            ("Operating Room Management and Efficiency", L, "First-case starts, turnover and scheduling."),
            ("Clinical Informatics and Decision Support", R, "EHR tools, alerts and machine learning."),
            ("Human Factors and Equipment Safety", R, "Design of drugs, devices and workspaces."),
            ("Environmental Sustainability in the OR", SV, "Reducing anesthetic gas emissions and waste."),
            ("Medication Safety", SV, "Prefilled syringes, barcode scanning and error reporting."),
        ),
    ),
    (
        "Neuroscience and Translational Research",
        "Hubs in the laboratory and at the bedside on how anesthetics work and protect organs.",
        "Neuroanesthesiology",
        "neuroanesthesia, spine surgery anesthesia",
        (
            ("Anesthetic Mechanisms and Consciousness", R, "EEG and imaging studies of how anesthetics work."),
            ("Neuroanesthesia", R, "Anesthesia for brain and spine surgery and neuromonitoring."),
            ("Inflammation and Organ Protection", R, "Laboratory work on kidney and lung injury."),
            ("Pharmacology and Pharmacogenomics", R, "Drug response, dosing and genetic variation."),
            ("Sleep and Airway Research", R, "Obstructive sleep apnea and the difficult airway."),
        ),
    ),
    (
        "Faculty Life and Leadership",
        "Hubs that support faculty as people and as leaders.",
        "General anesthesiology",
        "general operating room anesthesia",
        (
            ("Wellness and Resilience", SV, "Peer support, burnout surveys and schedule fairness."),
            ("Diversity, Equity and Inclusion", SV, "Recruitment, retention and an inclusive department."),
            ("Leadership Development", L, "Leadership skills for faculty taking on new roles."),
            ("Women in Anesthesiology", L, "Sponsorship and career advancement for women faculty."),
            ("Faculty Development and Promotion", L, "Helps faculty prepare for promotion on every track."),
            ("Physician Peer Support", SV, "Support after adverse events and difficult cases."),
        ),
    ),
    (
        "Global and Population Health",
        "Hubs that look beyond the hospital: global surgery, policy and health equity.",
        "General anesthesiology",
        "general operating room anesthesia, trauma anesthesia",
        (
            ("Global Health", SV, "Partnerships that train anesthesia providers abroad."),
            ("Health Policy and Economics", R, "Costs, payment models and anesthesia workforce policy."),
            ("Trauma and Disaster Preparedness", SV, "Mass-casualty drills and trauma anesthesia."),
            ("Health Equity Research", R, "Disparities in access to anesthesia and pain care."),
            ("Community Outreach and Advocacy", SV, "School programs and public education about anesthesia."),
        ),
    ),
)
HUB_GROUP = {hub[0]: group for group in AFFINITY_GROUPS for hub in group[4]}

DEPARTMENT_RESEARCH = {
    "Perioperative Medicine and Outcomes": "perioperative outcomes, delirium, frailty",
    "Cardiothoracic and Critical Care": "ECMO outcomes, vasopressor trials, echocardiography",
    "Pain and Regional Anesthesia": "regional anesthesia trials, opioid stewardship, chronic postsurgical pain",
    "Women's and Children's Health": "labour analgesia, pediatric neurodevelopment, maternal morbidity",
    "Education and Simulation": "simulation, assessment in medical education, curriculum design",
    "Quality, Safety and Systems": "patient safety, OR efficiency, clinical decision support",
    "Neuroscience and Translational Research": "anesthetic mechanisms, EEG, organ protection",
    "Faculty Life and Leadership": "physician wellness, gender equity in academic medicine",
    "Global and Population Health": "global surgery, health equity, workforce policy",
}

# Faculty mentees (the first is Sam Rivera's draft): three distinct hubs each, in rank order.
DEPARTMENT_MENTEES = (
    AppSpec(
        Role.MENTEE,
        S.DRAFT,
        "I'd like to turn my quality improvement work into something publishable.",
        ("Writing manuscripts",),
        (IN_PERSON,),
        hubs=("Quality and Patient Safety", "Medication Safety", "Perioperative Outcomes Research"),
        days_ago=2,
    ),
    AppSpec(
        Role.MENTEE,
        S.ACCEPTED,
        "I joined as an assistant professor on the clinician-scientist track last year. I have a K-award "
        "application planned for next cycle on postoperative delirium and need a mentor who can help me shape the "
        "aims and protect my research time.",
        ("Success in research", "Writing grants and finding funding", "Preparing for promotion"),
        (IN_PERSON, VIDEO),
        hubs=("Postoperative Delirium and Cognition", "Geriatric Anesthesia", "Perioperative Outcomes Research"),
        days_ago=33,
        decision="You are paired with a mentor in Postoperative Delirium and Cognition; expect an email this week.",
    ),
    AppSpec(
        Role.MENTEE,
        S.ACCEPTED,
        "Clinician-educator track, two years in. I run our simulation sessions for the interns and want to do "
        "education research with them rather than just teaching, and eventually direct the simulation program.",
        ("Teaching effectively", "Designing research", "Leadership and leading teams"),
        (IN_PERSON,),
        hubs=("Simulation-Based Education", "Medical Education Scholarship", "Competency-Based Assessment"),
        days_ago=31,
        decision="You are paired with a mentor in Simulation-Based Education; expect an email this week.",
    ),
    AppSpec(
        Role.MENTEE,
        S.ACCEPTED,
        "I finished my regional anesthesia fellowship last summer. I'd like to lead a prospective study in the "
        "block room and learn how to supervise fellows well.",
        ("Designing research", "Teaching effectively"),
        (IN_PERSON, VIDEO),
        hubs=("Regional Anesthesia", "Acute Pain and Opioid Stewardship", "Chronic Postsurgical Pain"),
        days_ago=30,
        decision="You are paired with a mentor in Regional Anesthesia; expect an email this week.",
    ),
    AppSpec(
        Role.MENTEE,
        S.ACCEPTED,
        "Obstetric anesthesiologist interested in maternal health equity. I want to build a research program "
        "around severe maternal morbidity in our community hospitals.",
        ("Success in research", "Writing manuscripts", "Networking"),
        (IN_PERSON,),
        hubs=("Maternal Health Outcomes", "Obstetric Anesthesia", "Health Equity Research"),
        days_ago=29,
        decision="You are paired with a mentor in Maternal Health Outcomes; expect an email this week.",
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I'm a cardiac anesthesiologist with a strong interest in echocardiography education. I want to develop a "
        "TEE curriculum for residents and figure out whether it is scholarship that counts for promotion.",
        ("Teaching effectively", "Preparing for promotion"),
        (IN_PERSON,),
        hubs=(
            "Cardiac Anesthesia and Perioperative Echocardiography",
            "Medical Education Scholarship",
            "Point-of-Care Ultrasound",
        ),
        days_ago=18,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "Intensivist and anesthesiologist. I'm involved in the ECMO program and want to start a small registry "
        "study, but I have no protected time and no idea how to get it.",
        ("Success in research", "Managing time, staff and budgets", "Navigating the institution"),
        (IN_PERSON, PHONE),
        hubs=("ECMO and Mechanical Circulatory Support", "Critical Care Medicine", "Sepsis and Resuscitation Science"),
        days_ago=16,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I work mostly in the pediatric ORs. I'd like to get involved in research on anesthesia and the developing "
        "brain, and I'd appreciate guidance on balancing this with a heavy call schedule and a young family.",
        ("Success in research", "Work-life balance and wellness"),
        (IN_PERSON, VIDEO),
        hubs=("Pediatric Anesthesia Research", "Fetal and Neonatal Anesthesia", "Pediatric Pain and Sedation"),
        days_ago=14,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "After a difficult year I've become interested in how the department supports clinicians after adverse "
        "events. I'd like to help build a peer support program and learn how to lead that kind of change.",
        ("Work-life balance and wellness", "Leadership and leading teams", "Managing conflict"),
        (IN_PERSON,),
        hubs=("Physician Peer Support", "Wellness and Resilience", "Leadership Development"),
        days_ago=12,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I'm the first in my family to go into medicine and care a lot about who gets into anesthesiology. I'd "
        "like to work on resident recruitment and pipeline programs and understand how that work is valued.",
        ("Networking", "Preparing for promotion", "Societies, advocacy and volunteering"),
        (IN_PERSON, VIDEO),
        hubs=("Diversity, Equity and Inclusion", "Community Outreach and Advocacy", "Medical Student Education"),
        days_ago=11,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I have a master's in biomedical informatics and want to build decision support for intraoperative "
        "hypotension. I need help finding collaborators and funding outside the department.",
        ("Writing grants and finding funding", "Networking", "Designing research"),
        (IN_PERSON, VIDEO),
        hubs=(
            "Clinical Informatics and Decision Support",
            "Health Services and Big Data Research",
            "Perioperative Outcomes Research",
        ),
        days_ago=10,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "Pain physician, one year in practice. I'd like to run my first investigator-initiated trial in "
        "neuromodulation and learn to write it up properly.",
        ("Designing research", "Writing manuscripts"),
        (IN_PERSON,),
        hubs=("Neuromodulation", "Pain Medicine", "Cancer Pain and Palliative Care"),
        days_ago=9,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I spent two years working in East Africa before joining the faculty and want to keep an academic global "
        "health career going: partnerships, funding and how to make it count for promotion.",
        ("Writing grants and finding funding", "Preparing for promotion", "Societies, advocacy and volunteering"),
        (VIDEO, IN_PERSON),
        hubs=("Global Health", "Health Equity Research", "Trauma and Disaster Preparedness"),
        days_ago=8,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I've been asked to take over OR scheduling for the ambulatory surgery centre. I'd like a mentor who can "
        "help me lead colleagues who are senior to me and use data to make the case for changes.",
        ("Leadership and leading teams", "Managing conflict", "Managing time, staff and budgets"),
        (IN_PERSON,),
        hubs=("Operating Room Management and Efficiency", "Leadership Development", "Quality and Patient Safety"),
        days_ago=7,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I'm interested in the environmental footprint of anesthesia and would like to lead a department-wide "
        "project to cut desflurane and nitrous oxide use, and publish the results.",
        ("Leadership and leading teams", "Writing manuscripts"),
        (IN_PERSON, VIDEO),
        hubs=("Environmental Sustainability in the OR", "Quality and Patient Safety", "Health Policy and Economics"),
        days_ago=6,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "Neuroanesthesiologist with a PhD in neuroscience. I want to restart bench work on anesthetic mechanisms "
        "alongside a clinical load and need help negotiating lab space and time.",
        ("Success in research", "Navigating the institution", "Writing grants and finding funding"),
        (IN_PERSON,),
        hubs=("Anesthetic Mechanisms and Consciousness", "Neuroanesthesia", "Pharmacology and Pharmacogenomics"),
        days_ago=5,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I'm two years out of residency and would like to find out where I fit academically. Teaching residents "
        "in the OR is what I enjoy most, but I'm open to the ultrasound work too.",
        ("Career development and job search", "Teaching effectively"),
        (IN_PERSON,),
        hubs=("Point-of-Care Ultrasound", "Residency Curriculum Design", "Regional Anesthesia"),
        days_ago=5,
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I returned from parental leave last month and want to rebuild momentum on my promotion timeline. A "
        "mentor who has navigated the same thing would help.",
        ("Preparing for promotion", "Work-life balance and wellness"),
        (VIDEO, IN_PERSON),
        hubs=("Women in Anesthesiology", "Faculty Development and Promotion", "Wellness and Resilience"),
        days_ago=4,
    ),
    AppSpec(
        Role.MENTEE,
        S.WAITLISTED,
        "Transplant anesthesia is my clinical focus. I want to understand transfusion outcomes in liver transplant "
        "and present at a national meeting within the year.",
        ("Success in research", "Networking"),
        (IN_PERSON,),
        hubs=("Transplant Anesthesia", "Critical Care Medicine", "Sepsis and Resuscitation Science"),
        days_ago=20,
        decision=(
            "All mentors in your first two hubs are at capacity this round; you are first on the waitlist and we "
            "will pair you as soon as a place opens."
        ),
    ),
    AppSpec(
        Role.MENTEE,
        S.ELIGIBLE,
        "I'd like a structured way to get better at obstetric emergencies teaching and simulation for the labour "
        "floor team, including nurses and obstetricians.",
        ("Teaching effectively", "Leadership and leading teams"),
        (IN_PERSON,),
        hubs=("Obstetric Anesthesia", "Simulation-Based Education", "Quality and Patient Safety"),
        days_ago=3,
    ),
)

DEPARTMENT_RANKS = {"senior": "Professor", "hub": "Associate Professor", "mentee": "Assistant Professor"}


def _department_profile(email: str, group: tuple, tier: str) -> dict:
    rng = _person_rng("lakeshore-anesthesiology", email)
    years = {"senior": rng.randint(20, 34), "hub": rng.randint(9, 19), "mentee": rng.randint(1, 6)}[tier]
    started = _this_year() - years
    hubs = [hub[0] for hub in group[4]]
    rank = DEPARTMENT_RANKS[tier]
    if tier == "senior":
        role = f"I lead the {group[0]} affinity group and mentor its hub mentors."
    elif tier == "hub":
        role = f"I mentor faculty in the {rng.choice(hubs)} hub."
    else:
        role = f"I'm building my academic career around {rng.choice(hubs).lower()}."
    return {
        "specialty": group[2],
        "practice_setting": PracticeSetting.ACADEMIC,
        "year_started_practice": started,
        "institution": "Lakeshore University Medical Center",
        "city": "Chicago",
        "region": "Illinois",
        "country": "United States",
        "time_zone": "America/Chicago",
        "clinical_interests": group[3].capitalize(),
        "research_interests": DEPARTMENT_RESEARCH[group[0]].capitalize(),
        "languages": _weighted(rng, LANGUAGES),
        "bio": f"{rank} of Anesthesiology; on faculty since {started}. {role} {rng.choice(HOBBIES)}",
    }


# --- Radiation Oncology Alumni Mentoring Network (seed 003): self-selection ------------------

ALUMNI_GOAL_AREAS = (
    "Residency or fellowship application",
    "Career development and job search",
    "Board preparation",
    "Success in research",
    "Designing research",
    "Writing manuscripts",
    "Writing grants and finding funding",
    "Teaching effectively",
    "Leadership and leading teams",
    "Networking",
    "Work-life balance and wellness",
    "Building a referral practice",
    "Patient experience",
    "Ethics and professionalism",
)
ALUMNI_MENTOR_ATTESTATION = "I can meet my mentee at least twice a year for the coming year."
HOME_PROGRAM = "Department of Radiation Oncology, University of Toronto"


@dataclass(frozen=True)
class Biosketch:
    graduation_year: int
    years_after_graduation: int  # fellowship before independent practice
    institution: str
    city: str
    region: str
    country: str
    time_zone: str
    clinical: str
    research: str
    bio: str
    application: AppSpec


ALUMNI_MENTORS = (
    Biosketch(
        2004,
        1,
        "Princess Margaret Cancer Centre",
        "Toronto",
        "Ontario",
        "Canada",
        "America/Toronto",
        "Head and neck cancers, thyroid cancer, re-irradiation",
        "Adaptive radiotherapy, HPV-associated oropharyngeal cancer de-escalation trials",
        "After residency I did a head and neck fellowship and stayed on staff. I co-chair our head and neck site "
        "group and have supervised more than twenty residents' research projects. I enjoy helping trainees "
        "decide between academic and community careers.",
        AppSpec(
            Role.MENTOR,
            S.ACCEPTED,
            "Happy to talk about academic careers, choosing a fellowship, and writing a first protocol.",
            ("Career development and job search", "Designing research", "Residency or fellowship application"),
            (VIDEO, IN_PERSON),
            capacity=2,
            days_ago=50,
            decision="Thank you for volunteering! Your biosketch is now visible to trainees.",
        ),
    ),
    Biosketch(
        2011,
        0,
        "BC Cancer – Vancouver",
        "Vancouver",
        "British Columbia",
        "Canada",
        "America/Vancouver",
        "Breast cancer, skin cancers, palliative radiotherapy",
        "Hypofractionation, patient-reported outcomes",
        "I moved west straight after residency and have worked at a provincial cancer agency since, with a "
        "mixed clinical and population-based research practice. I also chair our residency competence committee.",
        AppSpec(
            Role.MENTOR,
            S.ACCEPTED,
            "I can help with job searches outside Ontario, the provincial agency model, and balancing clinical "
            "work with a young family.",
            ("Career development and job search", "Work-life balance and wellness", "Networking"),
            (VIDEO,),
            capacity=2,
            days_ago=48,
            decision="Thank you for volunteering! Your biosketch is now visible to trainees.",
        ),
    ),
    Biosketch(
        1998,
        2,
        "Memorial Sloan Kettering Cancer Center",
        "New York",
        "New York",
        "United States",
        "America/New_York",
        "Genitourinary cancers, prostate brachytherapy",
        "Dose escalation, MRI-guided brachytherapy, radiobiology of hypofractionation",
        "I completed residency in Toronto and a brachytherapy fellowship in the US, where I have practised since. "
        "I've led several cooperative group trials and sit on an NCI study section.",
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "I can advise on working in the US (licensing, visas, boards), grant writing, and building a "
            "brachytherapy practice.",
            ("Writing grants and finding funding", "Career development and job search", "Success in research"),
            (VIDEO,),
            capacity=1,
            days_ago=45,
        ),
    ),
    Biosketch(
        2015,
        1,
        "Juravinski Cancer Centre",
        "Hamilton",
        "Ontario",
        "Canada",
        "America/Toronto",
        "Lung cancer, stereotactic body radiotherapy, oligometastatic disease",
        "SBRT for oligometastases, health economics",
        "I did a clinical research fellowship in SBRT and joined a regional cancer centre. I'm a recent graduate, "
        "so the job search and the first years in practice are fresh in my mind.",
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "Recent graduate, happy to share what the Royal College exam and the first job search were really "
            "like, and how to get a first trial started.",
            ("Board preparation", "Career development and job search", "Designing research"),
            (VIDEO, PHONE),
            capacity=2,
            days_ago=40,
        ),
    ),
    Biosketch(
        2008,
        0,
        "Tom Baker Cancer Centre",
        "Calgary",
        "Alberta",
        "Canada",
        "America/Edmonton",
        "Central nervous system tumours, pediatric radiotherapy",
        "Proton therapy referral patterns, neurocognitive outcomes after cranial radiotherapy",
        "I'm a CNS and pediatric radiation oncologist and the residency program director at my centre. I care a "
        "lot about teaching and about residents' wellbeing.",
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "I can help with teaching skills, program leadership and making it through residency in one piece.",
            ("Teaching effectively", "Leadership and leading teams", "Work-life balance and wellness"),
            (VIDEO,),
            capacity=2,
            days_ago=38,
        ),
    ),
    Biosketch(
        2001,
        1,
        "The Ottawa Hospital Cancer Centre",
        "Ottawa",
        "Ontario",
        "Canada",
        "America/Toronto",
        "Gynecologic cancers, brachytherapy",
        "Image-guided cervical brachytherapy, global radiotherapy access",
        "Gynecologic oncology and brachytherapy are my clinical focus. I've spent parts of several years "
        "teaching brachytherapy in sub-Saharan Africa and am department head.",
        AppSpec(
            Role.MENTOR,
            S.ACCEPTED,
            "Glad to mentor trainees interested in global oncology, brachytherapy or departmental leadership.",
            ("Leadership and leading teams", "Networking", "Ethics and professionalism"),
            (VIDEO, IN_PERSON),
            capacity=1,
            days_ago=46,
            decision="Thank you for volunteering! Your biosketch is now visible to trainees.",
        ),
    ),
    Biosketch(
        2013,
        0,
        "Grand River Regional Cancer Centre",
        "Kitchener",
        "Ontario",
        "Canada",
        "America/Toronto",
        "Gastrointestinal cancers, palliative radiotherapy, community practice",
        "Rapid access palliative radiotherapy clinics",
        "I chose community practice and love it: a broad case mix, close relationships with referring "
        "physicians and a bit of quality improvement work.",
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "For anyone wondering whether a community practice is right for them: referrals, patient experience "
            "and a sane schedule.",
            ("Building a referral practice", "Patient experience", "Career development and job search"),
            (PHONE, VIDEO),
            capacity=2,
            days_ago=35,
        ),
    ),
    Biosketch(
        2017,
        2,
        "Stanford Cancer Institute",
        "Palo Alto",
        "California",
        "United States",
        "America/Los_Angeles",
        "Thoracic malignancies, lymphoma",
        "Machine learning for treatment planning, circulating tumour DNA",
        "After residency I completed a PhD-linked research fellowship and joined a US academic centre as a "
        "physician-scientist with 70% protected research time.",
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "I can help trainees thinking about the clinician-scientist pathway, computational research and "
            "writing a first grant.",
            ("Success in research", "Writing grants and finding funding", "Writing manuscripts"),
            (VIDEO,),
            capacity=1,
            days_ago=33,
        ),
    ),
    Biosketch(
        2006,
        1,
        "CHUM – Centre hospitalier de l'Université de Montréal",
        "Montréal",
        "Quebec",
        "Canada",
        "America/Toronto",
        "Sarcoma, hematologic malignancies, total body irradiation",
        "Sarcoma outcomes, radiotherapy quality assurance",
        "Bilingual radiation oncologist working in sarcoma and TBI. I sit on the national specialty committee "
        "and have examined for the Royal College.",
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "I can help with Royal College exam preparation and with working in Quebec.",
            ("Board preparation", "Ethics and professionalism", "Networking"),
            (VIDEO, PHONE),
            capacity=2,
            days_ago=30,
        ),
    ),
    Biosketch(
        2010,
        1,
        "Cross Cancer Institute",
        "Edmonton",
        "Alberta",
        "Canada",
        "America/Edmonton",
        "Prostate and bladder cancers, MR-linac",
        "MR-guided adaptive radiotherapy, physics–oncology collaboration",
        "I work closely with our physicists on the MR-linac program and enjoy supervising residents' research "
        "electives.",
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "I can help with research electives, collaborating with physicists and presenting at ASTRO.",
            ("Designing research", "Writing manuscripts", "Networking"),
            (VIDEO,),
            capacity=1,
            days_ago=27,
        ),
    ),
    Biosketch(
        2002,
        0,
        "Odette Cancer Centre, Sunnybrook",
        "Toronto",
        "Ontario",
        "Canada",
        "America/Toronto",
        "Bone metastases, spine SBRT, palliative care",
        "Quality of life after palliative radiotherapy, rapid response clinics",
        "I've spent my career in palliative radiation oncology and now lead our department's education portfolio.",
        AppSpec(
            Role.MENTOR,
            S.ACCEPTED,
            "Glad to help with teaching, compassionate communication and finding meaning in palliative work.",
            ("Patient experience", "Teaching effectively", "Work-life balance and wellness"),
            (IN_PERSON, VIDEO),
            capacity=2,
            days_ago=44,
            decision="Thank you for volunteering! Your biosketch is now visible to trainees.",
        ),
    ),
    Biosketch(
        2019,
        1,
        "Peter MacCallum Cancer Centre",
        "Melbourne",
        "Victoria",
        "Australia",
        "Australia/Melbourne",
        "Melanoma, head and neck skin cancers",
        "Immunotherapy and radiotherapy combinations",
        "I did a fellowship in Melbourne after residency and stayed. Happy to talk about international "
        "fellowships and working abroad, time zones permitting.",
        AppSpec(
            Role.MENTOR,
            S.ELIGIBLE,
            "Ask me about international fellowships, relocating with a family and the Australian system.",
            ("Residency or fellowship application", "Career development and job search", "Networking"),
            (VIDEO,),
            capacity=1,
            days_ago=25,
        ),
    ),
)


@dataclass(frozen=True)
class Trainee:
    md_year: int
    level: str
    clinical: str
    research: str
    bio: str
    application: AppSpec | None = None


ALUMNI_TRAINEES = (
    Trainee(
        2020,
        "PGY-4 resident",
        "Head and neck cancers",
        "Toxicity of de-escalated radiotherapy",
        "I'm a PGY-4 deciding between an academic and a community career.",
        AppSpec(
            Role.MENTEE,
            S.ACCEPTED,
            "I'm in my fourth year and need to decide whether to do a fellowship. I'd like to talk to someone who "
            "has done a head and neck fellowship and can tell me honestly whether it was worth it.",
            ("Residency or fellowship application", "Career development and job search"),
            (VIDEO,),
            days_ago=20,
            decision="Welcome! Your mentor request has been confirmed; please send your CV ahead of the first meeting.",
        ),
    ),
    Trainee(
        2021,
        "PGY-3 resident",
        "Breast and skin cancers",
        "Patient-reported outcomes",
        "PGY-3 with a partner finishing residency in Vancouver next year.",
        AppSpec(
            Role.MENTEE,
            S.ACCEPTED,
            "My partner will likely work in British Columbia, so I'd like advice on job prospects out west and how "
            "to make myself a good candidate there.",
            ("Career development and job search", "Networking", "Work-life balance and wellness"),
            (VIDEO, PHONE),
            days_ago=18,
            decision="Welcome! Your mentor request has been confirmed; please send your CV ahead of the first meeting.",
        ),
    ),
    Trainee(
        2019,
        "PGY-5 resident",
        "Lung cancer, SBRT",
        "Oligometastatic disease",
        "Final-year resident preparing for the Royal College exam.",
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "The exam is in a few months and then the job search starts. I'd like someone a few years ahead of me "
            "to help with both, and to review my cover letters.",
            ("Board preparation", "Career development and job search"),
            (VIDEO,),
            days_ago=15,
        ),
    ),
    Trainee(
        2022,
        "PGY-2 resident",
        "Not yet decided",
        "Machine learning in treatment planning",
        "Engineer turned resident, curious about the clinician-scientist track.",
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "I have an engineering background and want to know whether a PhD during residency is realistic, and "
            "what a career with protected research time looks like.",
            ("Success in research", "Designing research", "Writing grants and finding funding"),
            (VIDEO,),
            days_ago=12,
        ),
    ),
    Trainee(
        2021,
        "PGY-3 resident",
        "Gynecologic cancers, brachytherapy",
        "Global access to radiotherapy",
        "PGY-3 interested in global oncology.",
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "I'd like to build global oncology into my career without it becoming a hobby I squeeze into holidays. "
            "I'm looking for someone who has done this long term.",
            ("Networking", "Leadership and leading teams", "Ethics and professionalism"),
            (VIDEO,),
            days_ago=10,
        ),
    ),
    Trainee(
        2022,
        "PGY-2 resident",
        "Palliative radiotherapy",
        "Communication and goals-of-care conversations",
        "PGY-2 who came to radiation oncology from family medicine.",
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "I want to get better at difficult conversations with patients and their families, and to understand "
            "how palliative radiation oncologists avoid burning out.",
            ("Patient experience", "Work-life balance and wellness"),
            (IN_PERSON, VIDEO),
            days_ago=8,
        ),
    ),
    Trainee(
        2020,
        "Clinical fellow",
        "CNS tumours",
        "Neurocognitive outcomes",
        "Clinical fellow in CNS radiotherapy.",
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "I'm on the job market next year and would like advice on negotiating my first staff position and on "
            "starting my own research program.",
            ("Career development and job search", "Designing research"),
            (VIDEO, PHONE),
            days_ago=6,
        ),
    ),
    Trainee(
        2023,
        "PGY-1 resident",
        "Not yet decided",
        "Not yet decided",
        "First-year resident finding my way around the specialty.",
        AppSpec(
            Role.MENTEE,
            S.ELIGIBLE,
            "I'm new to the specialty and would like a mentor outside Toronto who can give me a broader view of "
            "radiation oncology careers and help me choose research electives.",
            ("Career development and job search", "Success in research", "Networking"),
            (VIDEO,),
            days_ago=3,
        ),
    ),
)

ALUMNI_SITES = (
    ("Princess Margaret Cancer Centre", "Toronto", "Ontario", "Canada", "America/Toronto"),
    ("Kingston Health Sciences Centre", "Kingston", "Ontario", "Canada", "America/Toronto"),
    ("Nova Scotia Health Cancer Care", "Halifax", "Nova Scotia", "Canada", "America/Halifax"),
    ("Saskatoon Cancer Centre", "Saskatoon", "Saskatchewan", "Canada", "America/Regina"),
    ("London Regional Cancer Program", "London", "Ontario", "Canada", "America/Toronto"),
    ("Royal Marsden Hospital", "London", "England", "United Kingdom", "Europe/London"),
)
ALUMNI_INTERESTS = (
    ("Breast cancer, lymphoma", "Cardiac toxicity after breast radiotherapy"),
    ("Genitourinary cancers", "Hypofractionation for prostate cancer"),
    ("Gastrointestinal cancers", "Organ preservation in rectal cancer"),
    ("Palliative radiotherapy", "Single-fraction palliation"),
    ("Pediatric and CNS tumours", "Late effects in childhood cancer survivors"),
    ("Lung cancer, SBRT", "Stereotactic radiotherapy outcomes"),
)


def _alumni_profile(email: str, sketch: Biosketch | None) -> dict:
    """A biosketch (seed 003): graduation year, current institution, clinical and research interests."""
    rng = _person_rng("radonc-alumni", email)
    if sketch is None:
        graduation = rng.randint(1995, _this_year() - 3)
        institution, city, region, country, tz = rng.choice(ALUMNI_SITES)
        clinical, research = rng.choice(ALUMNI_INTERESTS)
        started = graduation + rng.choice((0, 1))
        bio = (
            f"I finished residency in {graduation} and now work at {institution} in {city}. "
            f"My practice is mostly {clinical.lower()}. {rng.choice(HOBBIES)}"
        )
    else:
        graduation, started = sketch.graduation_year, sketch.graduation_year + sketch.years_after_graduation
        institution, city, region, country, tz = (
            sketch.institution,
            sketch.city,
            sketch.region,
            sketch.country,
            sketch.time_zone,
        )
        clinical, research = sketch.clinical, sketch.research
        bio = f"Residency class of {graduation}. {sketch.bio} {rng.choice(HOBBIES)}"
    return {
        "specialty": "Radiation oncology",
        "practice_setting": PracticeSetting.COMMUNITY if "Grand River" in institution else PracticeSetting.ACADEMIC,
        "year_started_practice": started,
        "graduation_year": graduation,
        "institution": institution,
        "city": city,
        "region": region,
        "country": country,
        "time_zone": tz,
        "clinical_interests": clinical,
        "research_interests": research,
        "languages": "English, French" if region == "Quebec" else _weighted(rng, LANGUAGES),
        "bio": bio,
    }


def _trainee_profile(email: str, trainee: Trainee | None) -> dict:
    rng = _person_rng("radonc-alumni", email)
    if trainee is None:
        level = rng.choice(("PGY-1 resident", "PGY-2 resident", "PGY-3 resident", "PGY-4 resident"))
        trainee = Trainee(_this_year() - rng.randint(2, 5), level, "Not yet decided", "Not yet decided", "")
    bio = trainee.bio or f"{trainee.level} in radiation oncology."
    return {
        "specialty": f"Radiation oncology ({trainee.level})",
        "practice_setting": PracticeSetting.TRAINING,
        "graduation_year": trainee.md_year,
        "institution": HOME_PROGRAM,
        "city": "Toronto",
        "region": "Ontario",
        "country": "Canada",
        "time_zone": "America/Toronto",
        "clinical_interests": trainee.clinical,
        "research_interests": trainee.research,
        "languages": _weighted(rng, LANGUAGES),
        "bio": f"{bio} MD {trainee.md_year}. {rng.choice(HOBBIES)}",
    }


# --- Building blocks (each finds what exists by its natural key first) ------------------------


def _ensure_user(person: DemoPerson, password_hash: str):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        email=person.email, defaults={"full_name": person.full_name, "password": password_hash}
    )
    EmailAddress.objects.get_or_create(user=user, email=person.email, defaults={"verified": True, "primary": True})
    return user, created


def _memberships(organization: Organization) -> dict[str, Membership]:
    return {m.user.email: m for m in Membership.objects.filter(organization=organization).select_related("user")}


def _ensure_program(
    organization: Organization, *, slug: str, goal_areas, rules: dict[str, dict], **values
) -> tuple[Program, bool]:
    """The program by (organization, slug); its catalogue if it has none yet; a rule per role if missing."""
    program, created = Program.objects.get_or_create(organization=organization, slug=slug, defaults=values)
    if not GoalArea.objects.filter(program=program).exists():
        GoalArea.objects.bulk_create(
            GoalArea(organization=organization, program=program, name=name, position=position)
            for position, name in enumerate(goal_areas)
        )
    for role, rule in rules.items():
        EligibilityRule.objects.get_or_create(
            program=program, role=role, defaults={"organization": organization, **rule}
        )
    return program, created


def _ensure_profiles(organization: Organization, memberships: dict[str, Membership], values: dict[str, dict]) -> int:
    have = set(Profile.objects.filter(organization=organization).values_list("membership_id", flat=True))
    new = [
        Profile(organization=organization, membership=memberships[email], **fields)
        for email, fields in values.items()
        if email in memberships and memberships[email].pk not in have
    ]
    Profile.objects.bulk_create(new)
    return len(new)


DECIDED = {S.ACCEPTED, S.WAITLISTED, S.DECLINED}


def _ensure_applications(
    program: Program, memberships: dict[str, Membership], plans: list[tuple[str, AppSpec]], decided_by: Membership
) -> int:
    """Create the planned applications nobody has yet (one per person, program and role, whatever
    its status). Eligibility comes from the real rules, as if each had been submitted."""
    organization = program.organization
    existing = set(Application.objects.filter(program=program).values_list("membership_id", "role"))
    areas = {area.name: area for area in GoalArea.objects.filter(program=program)}
    hubs = {hub.name: hub for hub in Hub.objects.filter(program=program)}
    rules = {rule.role: rule for rule in EligibilityRule.objects.filter(program=program)}
    now = timezone.now()
    new: list[tuple[Application, AppSpec]] = []
    for email, spec in plans:
        membership = memberships.get(email)
        if membership is None or (membership.pk, spec.role) in existing:
            continue
        statements = rules[spec.role].attestations if spec.role in rules else []
        submitted = spec.status != S.DRAFT
        when = now - timedelta(days=spec.days_ago, hours=(membership.pk * 7) % 10)
        application = Application(
            organization=organization,
            program=program,
            membership=membership,
            role=spec.role,
            status=spec.status,
            goals_statement=spec.statement,
            meeting_modes=list(spec.modes),
            preferences=spec.preferences,
            capacity=(spec.capacity or program.default_mentees_per_mentor) if spec.role == Role.MENTOR else None,
            principles_accepted=submitted,
            attestation_answers=dict.fromkeys(statements, submitted),
            created_at=when - timedelta(days=1) if submitted else when,
        )
        if submitted:
            result = check_eligibility(application)
            if result.eligible != (spec.status != S.INELIGIBLE):
                raise RuntimeError(f"Demo application of {email} should be {spec.status}: {result.reasons}")
            application.eligible = result.eligible
            application.eligibility_reasons = result.as_json()
            application.eligibility_checked_at = when
            application.submitted_at = when
        if spec.status in DECIDED:
            application.decided_by = decided_by
            application.decided_at = min(now, when + timedelta(days=max(1, spec.days_ago // 3)))
            application.decision_message = spec.decision
        new.append((application, spec))
    Application.objects.bulk_create([application for application, _ in new])
    Chosen = Application.goal_areas.through
    Chosen.objects.bulk_create(
        Chosen(application_id=application.pk, goalarea_id=areas[name].pk)
        for application, spec in new
        for name in spec.areas
    )
    HubChoice.objects.bulk_create(
        HubChoice(organization=organization, application=application, hub=hubs[name], rank=rank)
        for application, spec in new
        for rank, name in enumerate(spec.hubs, start=1)
    )
    return len(new)


# --- The three programs ----------------------------------------------------------------------


def _seed_society(spec: DemoOrganization, organization: Organization, created: dict) -> None:
    now = timezone.now()
    program, program_created = _ensure_program(
        organization,
        slug="mentorship",
        name="Mentorship Program",
        description=(
            "Pairs seasoned surgeons (mentors) with less experienced surgeons (mentees) to support the mentees' "
            "development, give mentors a meaningful way to serve, and strengthen collegiality in the society. "
            "The Mentorship Program Committee proposes each pairing from practice setting, specialization, "
            "experience, goals and geography; both people agree before a pairing is final."
        ),
        model=ProgramModel.COMMITTEE,
        applications_open=now - timedelta(days=30),
        applications_close=now + timedelta(days=60),
        min_commitment_months=12,
        meeting_cadence=Cadence.QUARTERLY,
        in_person_cadence=InPersonCadence.NONE,
        first_meeting_days=30,
        six_month_assessment=True,
        yearly_review=True,
        default_mentees_per_mentor=1,
        max_mentees_per_mentor=2,
        is_published=True,
        goal_areas=SOCIETY_GOAL_AREAS,
        rules={
            Role.MENTOR: {
                "allowed_statuses": [MemberStatus.MEMBER, MemberStatus.CANDIDATE],
                "min_years_experience": 8,
            },
            Role.MENTEE: {"allowed_statuses": [MemberStatus.MEMBER, MemberStatus.CANDIDATE]},
        },
    )
    created["programs"] += program_created

    generated = _generated_people(spec)
    order = generated[:]
    random.Random(101).shuffle(order)
    personas = {MULTI_ORG_EMAIL: SAM_SOCIETY}
    personas.update(zip((p.email for p in order[: len(SOCIETY_MENTORS)]), SOCIETY_MENTORS, strict=True))
    mentee_people = order[len(SOCIETY_MENTORS) : len(SOCIETY_MENTORS) + len(SOCIETY_MENTEES)]
    personas.update(zip((p.email for p in mentee_people), SOCIETY_MENTEES, strict=True))

    memberships = _memberships(organization)
    values = {}
    for person in (*spec.named_people, *generated):
        persona = personas.get(person.email)
        overrides = persona.profile if persona else {}
        values[person.email] = _society_profile(person.email, overrides, senior=person in spec.named_people)
    created["profiles"] += _ensure_profiles(organization, memberships, values)

    plans = [(email, persona.application) for email, persona in personas.items() if persona.application]
    coordinator = memberships[spec.named_people[0].email]
    created["applications"] += _ensure_applications(program, memberships, plans, coordinator)


def _seed_department(spec: DemoOrganization, organization: Organization, created: dict) -> None:
    now = timezone.now()
    program, program_created = _ensure_program(
        organization,
        slug="faculty-mentorship",
        name="Faculty Mentorship Program",
        description=(
            "Pairs each faculty member with a mentor in one of the department's hubs of scholarly excellence in "
            "research, education, leadership and service. Hubs are grouped into affinity groups, each led by a "
            "senior mentor who mentors the hub mentors. Rank your top three hubs; the Office of Faculty Affairs "
            "finalizes pairings from your preferences and the hubs' capacity."
        ),
        model=ProgramModel.HUBS,
        applications_open=now - timedelta(days=45),
        applications_close=now + timedelta(days=45),
        min_commitment_months=12,
        meeting_cadence=Cadence.MONTHLY,
        in_person_cadence=InPersonCadence.QUARTERLY,
        first_meeting_days=30,
        six_month_assessment=True,
        yearly_review=True,
        quarterly_reports=True,
        default_mentees_per_mentor=2,
        max_mentees_per_mentor=3,
        is_published=True,
        goal_areas=DEFAULT_GOAL_AREAS,
        rules={
            Role.MENTOR: {"allowed_statuses": [MemberStatus.FACULTY]},
            Role.MENTEE: {"allowed_statuses": [MemberStatus.FACULTY]},
        },
    )
    created["programs"] += program_created

    # Who does what: the most senior lead affinity groups, the next tier mentor in hubs,
    # junior faculty apply as mentees.
    generated = _generated_people(spec)
    order = [p.email for p in generated]
    random.Random(202).shuffle(order)
    committee = next(p.email for p in spec.named_people if p.is_committee)
    coordinator = next(p.email for p in spec.named_people if p.is_coordinator)
    groups = len(AFFINITY_GROUPS)
    seniors = [committee, *order[: groups - 1]]
    hub_pool = order[groups - 1 : groups - 1 + 21]
    mentee_emails = [MULTI_ORG_EMAIL, *order[groups - 1 + 21 :]][: len(DEPARTMENT_MENTEES)]
    group_mentors, start = [], 0
    for index in range(groups):
        size = 3 if index < len(hub_pool) - 2 * groups else 2
        group_mentors.append(hub_pool[start : start + size])
        start += size

    memberships = _memberships(organization)
    values = {coordinator: _department_profile(coordinator, AFFINITY_GROUPS[7], "senior")}
    for group, senior, mentors in zip(AFFINITY_GROUPS, seniors, group_mentors, strict=True):
        values[senior] = _department_profile(senior, group, "senior")
        values.update({email: _department_profile(email, group, "hub") for email in mentors})
    for email, application in zip(mentee_emails, DEPARTMENT_MENTEES, strict=True):
        values[email] = _department_profile(email, HUB_GROUP[application.hubs[0]], "mentee")
    created["profiles"] += _ensure_profiles(organization, memberships, values)

    # Affinity groups (each led by a senior mentor), hubs, and 1–2 mentors per hub.
    rng = random.Random(203)
    affinity = {}
    for group, senior in zip(AFFINITY_GROUPS, seniors, strict=True):
        affinity[group[0]], _ = AffinityGroup.objects.get_or_create(
            program=program,
            name=group[0],
            defaults={"organization": organization, "description": group[1], "senior_mentor": memberships[senior]},
        )
    have = set(Hub.objects.filter(program=program).values_list("name", flat=True))
    new_hubs = [
        Hub(
            organization=organization,
            program=program,
            affinity_group=affinity[group[0]],
            name=name,
            theme=theme,
            description=description,
        )
        for group in AFFINITY_GROUPS
        for name, theme, description in group[4]
        if name not in have
    ]
    Hub.objects.bulk_create(new_hubs)
    created["hubs"] += len(new_hubs)
    hubs = {hub.name: hub for hub in Hub.objects.filter(program=program)}
    have = set(HubMentor.objects.filter(hub__program=program).values_list("hub_id", "membership_id"))
    new_mentors = []
    for group, mentors in zip(AFFINITY_GROUPS, group_mentors, strict=True):
        for index, (name, _theme, _description) in enumerate(group[4]):
            chosen = [mentors[index % len(mentors)]]
            if rng.random() < 0.3:
                chosen.append(mentors[(index + 1) % len(mentors)])
            for email in chosen:
                capacity = rng.randint(1, 3)
                if name in hubs and email in memberships and (hubs[name].pk, memberships[email].pk) not in have:
                    new_mentors.append(
                        HubMentor(
                            organization=organization, hub=hubs[name], membership=memberships[email], capacity=capacity
                        )
                    )
    HubMentor.objects.bulk_create(new_mentors)

    plans = list(zip(mentee_emails, DEPARTMENT_MENTEES, strict=True))
    created["applications"] += _ensure_applications(program, memberships, plans, memberships[coordinator])


def _seed_alumni(spec: DemoOrganization, organization: Organization, created: dict) -> None:
    now = timezone.now()
    program, program_created = _ensure_program(
        organization,
        slug="alumni-mentoring",
        name="Alumni Mentoring Program",
        description=(
            "Alumni volunteer as virtual mentors and write a biosketch: graduation year, current institution, "
            "clinical and research interests. Trainees browse the biosketches and request a mentor, with guidance "
            "from the program leads. Pairs sign an agreement, meet at least twice a year with an agenda the mentee "
            "prepares, and re-assess after one year."
        ),
        model=ProgramModel.SELF_SELECT,
        applications_open=now - timedelta(days=60),
        applications_close=now + timedelta(days=90),
        min_commitment_months=12,
        meeting_cadence=Cadence.TWICE_YEARLY,
        in_person_cadence=InPersonCadence.NONE,
        first_meeting_days=60,
        six_month_assessment=False,
        yearly_review=True,
        default_mentees_per_mentor=1,
        max_mentees_per_mentor=2,
        is_published=True,
        goal_areas=ALUMNI_GOAL_AREAS,
        rules={
            Role.MENTOR: {"allowed_statuses": [MemberStatus.ALUMNI], "attestations": [ALUMNI_MENTOR_ATTESTATION]},
            Role.MENTEE: {"allowed_statuses": [MemberStatus.TRAINEE]},
        },
    )
    created["programs"] += program_created

    people = (*spec.named_people, *_generated_people(spec))
    alumni = [p.email for p in people[len(spec.named_people) :] if p.status == MemberStatus.ALUMNI]
    trainees = [p.email for p in people[len(spec.named_people) :] if p.status == MemberStatus.TRAINEE]
    sketches = dict(zip(alumni, ALUMNI_MENTORS, strict=False))
    trainee_plans = dict(zip(trainees, ALUMNI_TRAINEES, strict=False))

    memberships = _memberships(organization)
    values = {}
    for person in people:
        if person.status == MemberStatus.TRAINEE:
            values[person.email] = _trainee_profile(person.email, trainee_plans.get(person.email))
        else:
            values[person.email] = _alumni_profile(person.email, sketches.get(person.email))
    created["profiles"] += _ensure_profiles(organization, memberships, values)

    plans = [(email, sketch.application) for email, sketch in sketches.items()]
    plans += [(email, trainee.application) for email, trainee in trainee_plans.items() if trainee.application]
    coordinator = memberships[spec.named_people[0].email]
    created["applications"] += _ensure_applications(program, memberships, plans, coordinator)


PROGRAM_SEEDERS = {
    "western-surgical": _seed_society,
    "lakeshore-anesthesiology": _seed_department,
    "radonc-alumni": _seed_alumni,
}


@transaction.atomic
def seed_demo() -> dict:
    """Create (or complete) the three demo organizations. Returns what it created."""
    password_hash = make_password(DEMO_PASSWORD)  # hash once: 100+ users would take minutes
    created = dict.fromkeys(
        ("organizations", "users", "memberships", "programs", "profiles", "hubs", "applications", "mentorships"), 0
    )
    with scopes_disabled():
        for spec in ORGANIZATIONS:
            organization, org_created = Organization.objects.get_or_create(
                slug=spec.slug,
                defaults={
                    "name": spec.name,
                    "contact_email": spec.contact_email,
                    "description": spec.description,
                    # Seeded by the site's own operator, not a stranger: nothing to confirm.
                    "contact_email_confirmed_at": timezone.now(),
                },
            )
            created["organizations"] += org_created
            for person in (*spec.named_people, *_generated_people(spec)):
                user, user_created = _ensure_user(person, password_hash)
                created["users"] += user_created
                _, membership_created = Membership.objects.get_or_create(
                    organization=organization,
                    user=user,
                    defaults={
                        "status": person.status,
                        "is_coordinator": person.is_coordinator,
                        "is_committee": person.is_committee,
                    },
                )
                created["memberships"] += membership_created
            PROGRAM_SEEDERS[spec.slug](spec, organization, created)
        created["mentorships"] = _seed_pairings()
    return created


def _seed_pairings() -> int:
    """Requests, proposals and mentorships so the portal has pairs to show. Written
    directly (no emails); a program that already has any is left as it is."""
    from datetime import timedelta

    from django.utils import timezone

    from matching.models import (
        Mentorship,
        MentorshipRequest,
        Origin,
        PairExclusion,
        Proposal,
        ProposalStatus,
        RequestStatus,
        Response,
    )
    from programs.models import Application, ApplicationStatus, Program, Role

    now, today = timezone.now(), timezone.localdate()
    created = 0

    def apps(program, role, status):
        return list(
            Application.objects.filter(program=program, role=role, status=status)
            .select_related("membership")
            .order_by("pk")
        )

    def pair(program, mentor, mentee, origin, months_ago):
        started = today - timedelta(days=30 * months_ago)
        return Mentorship.objects.create(
            organization=program.organization,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin=origin,
            started_on=started,
            planned_end_on=started + timedelta(days=365),
        )

    alumni = Program.objects.filter(organization__slug="radonc-alumni", slug="alumni-mentoring").first()
    if alumni and not Mentorship.objects.filter(program=alumni).exists():
        mentors = [a.membership for a in apps(alumni, Role.MENTOR, ApplicationStatus.ACCEPTED)]
        mentors += [a.membership for a in apps(alumni, Role.MENTOR, ApplicationStatus.ELIGIBLE)]
        accepted_mentees = [a.membership for a in apps(alumni, Role.MENTEE, ApplicationStatus.ACCEPTED)]
        waiting_mentees = [a.membership for a in apps(alumni, Role.MENTEE, ApplicationStatus.ELIGIBLE)]
        for i, mentee in enumerate(accepted_mentees[: len(mentors)]):
            mentorship = pair(alumni, mentors[i], mentee, Origin.REQUEST, months_ago=4 + i)
            MentorshipRequest.objects.create(
                organization=alumni.organization,
                program=alumni,
                mentee=mentee,
                mentor=mentors[i],
                message="I read your biosketch and would value your advice on an academic career.",
                status=RequestStatus.ACCEPTED,
                created_at=now - timedelta(days=30 * (4 + i) + 5),
                expires_at=now - timedelta(days=30 * (4 + i) - 9),
                responded_at=now - timedelta(days=30 * (4 + i)),
                mentorship=mentorship,
            )
            created += 1
        free = mentors[len(accepted_mentees) :]
        for i, mentee in enumerate(waiting_mentees[:3]):
            if i < len(free):
                MentorshipRequest.objects.create(
                    organization=alumni.organization,
                    program=alumni,
                    mentee=mentee,
                    mentor=free[i],
                    message="Your work on re-irradiation is what I hope to do. Could we meet twice this year?",
                    expires_at=now + timedelta(days=alumni.request_response_days - i * 3),
                    created_at=now - timedelta(days=i * 3),
                )
        if len(waiting_mentees) > 3 and len(free) > 1:
            MentorshipRequest.objects.create(
                organization=alumni.organization,
                program=alumni,
                mentee=waiting_mentees[3],
                mentor=free[1],
                message="Would you mentor me through my fellowship applications?",
                status=RequestStatus.DECLINED,
                expires_at=now,
                responded_at=now - timedelta(days=2),
            )
            PairExclusion.objects.get_or_create(
                program=alumni,
                mentor=free[1],
                mentee=waiting_mentees[3],
                defaults={"organization": alumni.organization, "reason": "declined_request"},
            )

    society = Program.objects.filter(organization__slug="western-surgical", slug="mentorship").first()
    if society and not Proposal.objects.filter(program=society).exists():
        mentors = [a.membership for a in apps(society, Role.MENTOR, ApplicationStatus.ACCEPTED)]
        mentees = [a.membership for a in apps(society, Role.MENTEE, ApplicationStatus.ACCEPTED)]
        coordinator = society.organization.memberships.filter(is_coordinator=True).order_by("pk").first()
        if len(mentors) >= 2 and len(mentees) >= 2:
            mentorship = pair(society, mentors[0], mentees[0], Origin.PROPOSAL, months_ago=3)
            Proposal.objects.create(
                organization=society.organization,
                program=society,
                mentor=mentors[0],
                mentee=mentees[0],
                status=ProposalStatus.CONFIRMED,
                note="Both in private general surgery on the West Coast; shared interest in building a referral base.",
                created_by=coordinator,
                offered_at=now - timedelta(days=100),
                mentor_response=Response.ACCEPTED,
                mentee_response=Response.ACCEPTED,
                mentor_responded_at=now - timedelta(days=98),
                mentee_responded_at=now - timedelta(days=97),
                mentorship=mentorship,
            )
            Proposal.objects.create(
                organization=society.organization,
                program=society,
                mentor=mentors[1],
                mentee=mentees[1],
                note="Similar practice setting; the mentee asked for help with leadership and work-life balance.",
                created_by=coordinator,
                offered_at=now - timedelta(days=3),
                mentor_response=Response.ACCEPTED,
                mentor_responded_at=now - timedelta(days=2),
            )
            created += 1
    return created


def demo_sign_ins() -> list[tuple[str, str, str]]:
    """(email, who, where) for the README and the seed command's output."""
    rows = []
    for spec in ORGANIZATIONS:
        for person in spec.named_people:
            if person.email == MULTI_ORG_EMAIL:
                continue
            role = "coordinator" if person.is_coordinator else "committee member" if person.is_committee else "member"
            rows.append((person.email, f"{person.full_name}, {role}", spec.name))
    rows.append((MULTI_ORG_EMAIL, "Sam Rivera, member of all three", "all three (try the organization switcher)"))
    return rows
