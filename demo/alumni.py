"""Radiation Oncology Alumni Mentoring Network (seed 003): self-selection. Alumni write a biosketch,
trainees browse them and request a mentor."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from demo.common import (
    HOBBIES,
    IN_PERSON,
    LANGUAGES,
    MULTI_ORG_EMAIL,
    PHONE,
    VIDEO,
    AppSpec,
    DemoOrganization,
    DemoPerson,
    S,
    ensure_applications,
    ensure_profiles,
    ensure_program,
    generated_people,
    memberships_by_email,
    person_rng,
    this_year,
    weighted,
)
from programs.models import (
    Cadence,
    InPersonCadence,
    MemberStatus,
    Organization,
    PracticeSetting,
    ProgramModel,
    Role,
)

ORGANIZATION = DemoOrganization(
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
)


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


def alumni_profile(email: str, sketch: Biosketch | None) -> dict:
    """A biosketch (seed 003): graduation year, current institution, clinical and research interests."""
    rng = person_rng("radonc-alumni", email)
    if sketch is None:
        graduation = rng.randint(1995, this_year() - 3)
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
        "languages": "English, French" if region == "Quebec" else weighted(rng, LANGUAGES),
        "bio": bio,
    }


def trainee_profile(email: str, trainee: Trainee | None) -> dict:
    rng = person_rng("radonc-alumni", email)
    if trainee is None:
        level = rng.choice(("PGY-1 resident", "PGY-2 resident", "PGY-3 resident", "PGY-4 resident"))
        trainee = Trainee(this_year() - rng.randint(2, 5), level, "Not yet decided", "Not yet decided", "")
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
        "languages": weighted(rng, LANGUAGES),
        "bio": f"{bio} MD {trainee.md_year}. {rng.choice(HOBBIES)}",
    }


def seed_alumni(spec: DemoOrganization, organization: Organization, created: dict) -> None:
    now = timezone.now()
    program, program_created = ensure_program(
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

    people = (*spec.named_people, *generated_people(spec))
    alumni = [p.email for p in people[len(spec.named_people) :] if p.status == MemberStatus.ALUMNI]
    trainees = [p.email for p in people[len(spec.named_people) :] if p.status == MemberStatus.TRAINEE]
    sketches = dict(zip(alumni, ALUMNI_MENTORS, strict=False))
    trainee_plans = dict(zip(trainees, ALUMNI_TRAINEES, strict=False))

    memberships = memberships_by_email(organization)
    values = {}
    for person in people:
        if person.status == MemberStatus.TRAINEE:
            values[person.email] = trainee_profile(person.email, trainee_plans.get(person.email))
        else:
            values[person.email] = alumni_profile(person.email, sketches.get(person.email))
    created["profiles"] += ensure_profiles(organization, memberships, values)

    plans = [(email, sketch.application) for email, sketch in sketches.items()]
    plans += [(email, trainee.application) for email, trainee in trainee_plans.items() if trainee.application]
    coordinator = memberships[spec.named_people[0].email]
    created["applications"] += ensure_applications(program, memberships, plans, coordinator)
