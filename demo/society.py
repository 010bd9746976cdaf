"""Western Surgical Society (seed 000): the committee model. The Mentorship Program Committee
proposes each pairing; mentors have at least 8 years in practice."""

import random
from dataclasses import dataclass, field
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
from demo.speed import seed_speed_event
from matching.models import Ranking
from matching.selectors.rankings import ranking_page
from matching.services.rounds import pool_people
from programs.models import (
    Application,
    ApplicationStatus,
    Cadence,
    InPersonCadence,
    Membership,
    MemberStatus,
    Organization,
    PracticeSetting,
    Program,
    ProgramModel,
    Role,
)

ORGANIZATION = DemoOrganization(
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
        DemoPerson("committee.chair@western-surgical.example.org", "Robert Okonkwo", MemberStatus.MEMBER, False, True),
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
)


@dataclass(frozen=True)
class Persona:
    """A demo applicant: profile details that must hold for the story, and the application."""

    profile: dict = field(default_factory=dict)
    application: AppSpec | None = None


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


def society_profile(email: str, overrides: dict, *, senior: bool = False) -> dict:
    rng = person_rng("western-surgical", email)
    specialty = overrides.get("specialty") or rng.choice(sorted(SURGICAL_SPECIALTIES))
    setting = overrides.get("practice_setting") or weighted(rng, SOCIETY_SETTINGS)
    city, region, country, tz = PLACE_BY_CITY[overrides["city"]] if "city" in overrides else rng.choice(WESTERN_PLACES)
    if "years" in overrides:
        years = overrides["years"]
    elif senior:
        years = rng.randint(15, 30)
    else:  # some early-career surgeons, most past the mentors' 8 years
        years = rng.randint(2, 7) if rng.random() < 0.3 else rng.randint(8, 30)
    started = this_year() - years
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
        "languages": ("English, French" if country == "Canada" and rng.random() < 0.3 else weighted(rng, LANGUAGES)),
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


def seed_society(spec: DemoOrganization, organization: Organization, created: dict) -> None:
    now = timezone.now()
    program, program_created = ensure_program(
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

    generated = generated_people(spec)
    order = generated[:]
    random.Random(101).shuffle(order)
    personas = {MULTI_ORG_EMAIL: SAM_SOCIETY}
    personas.update(zip((p.email for p in order[: len(SOCIETY_MENTORS)]), SOCIETY_MENTORS, strict=True))
    mentee_people = order[len(SOCIETY_MENTORS) : len(SOCIETY_MENTORS) + len(SOCIETY_MENTEES)]
    personas.update(zip((p.email for p in mentee_people), SOCIETY_MENTEES, strict=True))

    memberships = memberships_by_email(organization)
    values = {}
    for person in (*spec.named_people, *generated):
        persona = personas.get(person.email)
        overrides = persona.profile if persona else {}
        values[person.email] = society_profile(person.email, overrides, senior=person in spec.named_people)
    created["profiles"] += ensure_profiles(organization, memberships, values)

    plans = [(email, persona.application) for email, persona in personas.items() if persona.application]
    coordinator = memberships[spec.named_people[0].email]
    created["applications"] += ensure_applications(program, memberships, plans, coordinator)


def seed_rankings(program: Program) -> None:
    """The society's stable-mode rankings (issue 16): open for two more weeks of the demo's
    clock, with a couple of mentees' saved shortlists. Left as they are when already there."""
    seed_speed_event(program)  # issue 19: the past speed-mentoring event (demo/speed.py)
    if not program.rankings_open:
        program.rankings_open = True
        program.shortlist_length = 5
        program.rankings_deadline = timezone.now() + timedelta(days=14)
        program.save(update_fields=["rankings_open", "shortlist_length", "rankings_deadline"])
    if Ranking.objects.filter(program=program).exists():
        return
    mentee_ids, _mentor_ids = pool_people(program)
    if len(mentee_ids) < 2:
        # Everyone accepted is paired by now: the office accepts two of this year's eligible
        # mentees, who wait for the next (stable) round.
        coordinator = Membership.objects.filter(organization=program.organization, is_coordinator=True).order_by("pk")
        now = timezone.now()
        for application in Application.objects.filter(
            program=program, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE, submitted_at__lt=now
        ).order_by("submitted_at", "pk")[: 2 - len(mentee_ids)]:
            application.status = ApplicationStatus.ACCEPTED
            application.decided_by = coordinator.first()
            application.decided_at = max(application.submitted_at, now - timedelta(days=1))
            application.decision_message = (
                "You're in: rank the mentors you would most like to work with before the next pairing round."
            )
            application.save(update_fields=["status", "decided_by", "decided_at", "decision_message"])
        mentee_ids, _mentor_ids = pool_people(program)
    for mentee in Membership.objects.filter(pk__in=mentee_ids).order_by("pk")[:2]:
        page = ranking_page(program, mentee)
        if page is None or len(page.suggestions) < 3:
            continue
        # Their own order, not quite the program's: the second suggestion first.
        first, second, third = (card.membership_id for card in page.suggestions[:3])
        Ranking.objects.create(
            organization=program.organization,
            program=program,
            membership=mentee,
            role=Role.MENTEE,
            chosen=[second, first, third],
        )
