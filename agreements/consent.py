"""The disclosure a person agrees to before signing electronically, and the texts agreed to
before it. A leaf module: the signing service, the pages and the PDF all read it."""

import hashlib

# The disclosure a person agrees to before signing electronically, with what ESIGN
# (15 U.S.C. § 7001(c)(1)) requires: scope, the right to paper and how to get it, the right
# to withdraw (how, conditions, consequences, no fee), keeping contact details current,
# the hardware and software needed, and a confirmation that the person can open PDFs.
# Its hash is stored with each consent; a consent to any other text (the shorter one used
# before) no longer lets anyone sign: they read and agree to this one first.
CONSENT_PARAGRAPHS = (
    (
        "What you agree to",
        "You agree to receive, read and sign your mentoring agreements electronically on this site. This consent "
        "covers every version of every mentoring agreement you sign in this organization's programs, until you "
        "withdraw it. Typing your full name and confirming has the same effect as your handwritten signature. The "
        "time, your IP address and your browser are recorded with each signature.",
    ),
    (
        "Your right to paper",
        "You may have this notice and any agreement on paper instead. To get a paper copy of this notice or of any "
        "agreement, at any time, ask the program office (its email address is on your agreement page and in every "
        "email about your agreement). Paper copies are free. You can also print the PDF of a signed agreement.",
    ),
    (
        "Withdrawing your consent",
        "You may withdraw this consent at any time, free of charge: press “Withdraw my consent to sign "
        "electronically” on your agreement page, or write to the program office. After you withdraw, you can no "
        "longer sign electronically; the program office is told and arranges for you to sign on paper instead. "
        "Withdrawing does not undo anything you signed before it: those agreements stay valid. You may agree "
        "again later.",
    ),
    (
        "Keeping your details current",
        "Notices about your agreements go to the email address of your account. Keep it current in your account "
        "settings, or tell the program office if it changes.",
    ),
    (
        "What you need",
        "A device with a current web browser (for example a recent Firefox, Chrome, Edge or Safari) with cookies "
        "enabled; access to the email address of your account; a PDF reader (the one built into your browser, or "
        "another such as Adobe Acrobat Reader) to open, read and print signed agreements; and storage space or a "
        "printer to keep a copy. If these requirements change in a way that could stop you from opening or keeping "
        "your agreements, you will be told first, and you may withdraw without any fee.",
    ),
    (
        "Confirming you can use electronic records",
        "By agreeing, you confirm that you could read this notice on your device and that you can open and keep "
        "PDF files.",
    ),
)
CONSENT_TITLE = "Consent to sign electronically (ESIGN Act and UETA)"
CONSENT_TEXT = "\n\n".join([CONSENT_TITLE, *(f"{heading}. {body}" for heading, body in CONSENT_PARAGRAPHS)])
CONSENT_TEXT_HASH = hashlib.sha256(CONSENT_TEXT.encode("utf-8")).hexdigest()
# The text consented to before the full disclosure: its consents are printed with it on
# the PDFs of the agreements they signed, but no longer allow a new signature.
LEGACY_CONSENT_TEXT = (
    "I agree to sign mentoring agreements electronically. Typing my full name and confirming has the "
    "same effect as my handwritten signature. The time, my IP address and my browser are recorded with "
    "each signature, and I can download every signed agreement as a PDF."
)
CONSENT_TEXTS = {
    CONSENT_TEXT_HASH: CONSENT_TEXT,
    hashlib.sha256(LEGACY_CONSENT_TEXT.encode("utf-8")).hexdigest(): LEGACY_CONSENT_TEXT,
}
