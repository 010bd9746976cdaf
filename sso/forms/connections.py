"""The coordinator's forms for a connection, and the sign-in form that finds one by address."""

import re

from django import forms

from mentorship.forms import Form

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_DOMAINS = 20


class DomainsField(forms.CharField):
    """Email domains, separated by commas, spaces or lines: a clean lower-case list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "example.edu, med.example.edu"}))
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        domains = []
        for part in re.split(r"[\s,;]+", text or ""):
            domain = part.strip().lower().lstrip("@")
            if not domain:
                continue
            if not DOMAIN_RE.match(domain):
                raise forms.ValidationError(f"“{domain[:60]}” is not an email domain like example.edu.")
            if domain not in domains:
                domains.append(domain)
        if not domains:
            raise forms.ValidationError("Enter at least one email domain, e.g. example.edu.")
        if len(domains) > MAX_DOMAINS:
            raise forms.ValidationError(f"Enter at most {MAX_DOMAINS} domains.")
        return domains


def _attribute_field(label: str, help_text: str, required: bool = False) -> forms.CharField:
    return forms.CharField(label=label, max_length=200, required=required, help_text=help_text)


class ConnectionOptionsForm(Form):
    name = forms.CharField(max_length=100, help_text="Shown on the sign-in button, e.g. “University login”.")
    allowed_domains = DomainsField(
        label="Allowed email domains",
        help_text="Only addresses in these domains sign in this way. Separate them with commas.",
    )
    auto_join = forms.BooleanField(
        label="Add new people as members on their first sign-in", required=False, initial=True
    )
    trust_emails = forms.BooleanField(
        label="The provider verifies every address in these domains",
        required=False,
        help_text=(
            "Tick only if the provider owns these domains. Otherwise an address links to an existing "
            "account only when the provider marks it verified."
        ),
    )
    name_attribute = _attribute_field("Name attribute", "The claim or attribute with the person's full name.", True)
    institution_attribute = _attribute_field(
        "Institution attribute", "The claim or attribute with their institution (optional)."
    )
    sso_only = forms.BooleanField(
        label="SSO only",
        required=False,
        help_text="Addresses in these domains cannot sign in, sign up or reset a password with a password.",
    )


class OIDCConnectionForm(ConnectionOptionsForm):
    discovery_url = forms.URLField(
        label="Discovery URL",
        max_length=500,
        assume_scheme="https",
        help_text="The issuer's address, or its /.well-known/openid-configuration.",
    )
    client_id = forms.CharField(label="Client ID", max_length=200)
    client_secret = forms.CharField(
        label="Client secret",
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    field_order = ["name", "discovery_url", "client_id", "client_secret"]


class OIDCConnectionEditForm(OIDCConnectionForm):
    client_secret = forms.CharField(
        label="Client secret",
        max_length=500,
        required=False,
        help_text="Leave empty to keep the secret you saved.",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class SAMLConnectionForm(ConnectionOptionsForm):
    metadata_url = forms.URLField(
        label="Metadata URL",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="Where the identity provider publishes its SAML metadata.",
    )
    metadata_xml = forms.CharField(
        label="…or the metadata XML",
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Paste it if the provider gives you a file instead of an address.",
    )
    field_order = ["name", "metadata_url", "metadata_xml"]

    def clean(self):
        data = super().clean()
        missing = not data.get("metadata_url") and not (data.get("metadata_xml") or "").strip()
        if missing and "metadata_url" not in self.errors and "metadata_xml" not in self.errors:
            self.add_error("metadata_url", "Enter the metadata URL or paste the metadata XML.")
        return data


class OrganizationSignInForm(Form):
    email = forms.EmailField(
        label="Your work email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
