"""Lakeshore University Department of Anesthesiology (seed 002): hubs of scholarly excellence,
grouped into affinity groups led by senior mentors; faculty rank their top three hubs."""

import random
from datetime import timedelta

from django.utils import timezone

from demo.circles import seed_circles
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
from demo.peer import seed_peer_program
from programs.models import (
    DEFAULT_GOAL_AREAS,
    AffinityGroup,
    Cadence,
    Hub,
    HubMentor,
    HubTheme,
    InPersonCadence,
    MemberStatus,
    Organization,
    PracticeSetting,
    ProgramModel,
    Role,
)

ORGANIZATION = DemoOrganization(
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
)


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


def department_profile(email: str, group: tuple, tier: str) -> dict:
    rng = person_rng("lakeshore-anesthesiology", email)
    years = {"senior": rng.randint(20, 34), "hub": rng.randint(9, 19), "mentee": rng.randint(1, 6)}[tier]
    started = this_year() - years
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
        "languages": weighted(rng, LANGUAGES),
        "bio": f"{rank} of Anesthesiology; on faculty since {started}. {role} {rng.choice(HOBBIES)}",
    }


def seed_department(spec: DemoOrganization, organization: Organization, created: dict) -> None:
    now = timezone.now()
    program, program_created = ensure_program(
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
    generated = generated_people(spec)
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

    memberships = memberships_by_email(organization)
    values = {coordinator: department_profile(coordinator, AFFINITY_GROUPS[7], "senior")}
    for group, senior, mentors in zip(AFFINITY_GROUPS, seniors, group_mentors, strict=True):
        values[senior] = department_profile(senior, group, "senior")
        values.update({email: department_profile(email, group, "hub") for email in mentors})
    for email, application in zip(mentee_emails, DEPARTMENT_MENTEES, strict=True):
        values[email] = department_profile(email, HUB_GROUP[application.hubs[0]], "mentee")
    created["profiles"] += ensure_profiles(organization, memberships, values)

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
    created["applications"] += ensure_applications(program, memberships, plans, memberships[coordinator])
    seed_circles(organization, coordinator, created, {p.email for p in (*spec.named_people, *generated)})
    seed_peer_program(organization, created)  # the residents' peer mentoring (demo/peer.py)
