from django import forms

from mentorship.exceptions import ServiceError
from mentorship.forms import Form, form_error
from programs.models import Program
from surveys.models import LIKERT_LABELS, Audience, QuestionKind, SurveySchedule
from surveys.services import answers as answering
from surveys.services import surveys as builder


class DateInput(forms.DateInput):
    input_type = "date"


class SurveyForm(Form):
    title = forms.CharField(max_length=200)
    intro = forms.CharField(
        label="Introduction",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown above the questions: why you ask, and how the answers will be used.",
    )
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(), required=False, empty_label="All programs", label="Program"
    )
    audience = forms.ChoiceField(label="Who receives it", choices=Audience.choices, initial=Audience.BOTH)
    anonymous = forms.BooleanField(
        label="Anonymous answers",
        required=False,
        initial=True,
        help_text="Answers are not linked to people, and results are shown only for groups of 5 or more.",
    )
    schedule = forms.ChoiceField(
        label="When", choices=SurveySchedule.choices, initial=SurveySchedule.ONCE, widget=forms.RadioSelect
    )
    interval_months = forms.IntegerField(
        label="Months",
        required=False,
        min_value=1,
        max_value=builder.MAX_INTERVAL_MONTHS,
        help_text="For “every N months” and “N months into each pairing”.",
    )
    opens_on = forms.DateField(
        label="First sent on",
        widget=DateInput,
        required=False,
        help_text=(
            "For “once” and “every N months”, within a year back and five years ahead. A pairing's survey is sent "
            "N months after it began."
        ),
    )
    open_days = forms.IntegerField(label="Open for (days)", min_value=1, max_value=builder.MAX_OPEN_DAYS, initial=14)

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(organization=organization)

    def clean(self):
        data = super().clean()
        schedule = data.get("schedule")
        if schedule and schedule != SurveySchedule.ONCE and not data.get("interval_months"):
            self.add_error("interval_months", "Give the number of months.")
        return data


class QuestionForm(Form):
    kind = forms.ChoiceField(label="Kind of question", choices=QuestionKind.choices)
    text = forms.CharField(label="Question", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    choices = forms.CharField(
        label="Options",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Single and multiple choice: one option per line, at most {builder.MAX_CHOICES}.",
    )
    required = forms.BooleanField(label="An answer is required", required=False, initial=True)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            kind, text, options = builder._clean_question(data.get("kind"), data.get("text"), data.get("choices"))
        except ServiceError as error:
            form_error(self, error)
            return data
        data.update(kind=kind, text=text, choices=options)
        return data


CHECK = {"class": "form-check-input"}


class AnswerForm(Form):
    """One field per question, named ``q<pk>``; the service validates again. The page
    carries ``version`` (``questions_version``) in a hidden input: answers posted from a page
    built on other questions are refused, and shown again on the current questions."""

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.version = builder.questions_version(self.questions)
        for question in self.questions:
            name = f"q{question.pk}"
            common = {"label": question.text, "required": question.required}
            if question.kind == QuestionKind.LIKERT:
                field = forms.ChoiceField(
                    choices=[(str(n), f"{LIKERT_LABELS[n - 1]}") for n in range(1, 6)],
                    widget=forms.RadioSelect(attrs=CHECK),
                    **common,
                )
            elif question.kind == QuestionKind.RATING:
                field = forms.ChoiceField(
                    choices=[(str(n), str(n)) for n in range(0, 11)],
                    widget=forms.RadioSelect(attrs=CHECK),
                    help_text="0 = not at all, 10 = extremely.",
                    **common,
                )
            elif question.kind == QuestionKind.SINGLE:
                field = forms.ChoiceField(
                    choices=[(c, c) for c in question.choices], widget=forms.RadioSelect(attrs=CHECK), **common
                )
            elif question.kind == QuestionKind.MULTIPLE:
                field = forms.MultipleChoiceField(
                    choices=[(c, c) for c in question.choices],
                    widget=forms.CheckboxSelectMultiple(attrs=CHECK),
                    help_text="Choose all that apply.",
                    **common,
                )
            else:
                field = forms.CharField(
                    max_length=answering.MAX_ANSWER_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
                    **common,
                )
            field.question = question
            self.fields[name] = field

    @property
    def changed(self) -> bool:
        """The page posted was built on other questions than these."""
        return self.is_bound and self.data.get("version") != self.version

    def clean(self):
        data = super().clean()
        if self.changed:
            raise forms.ValidationError(answering.QUESTIONS_CHANGED_MESSAGE, code="questions_changed")
        for question in self.questions:
            name = f"q{question.pk}"
            if name in self.errors:
                continue
            try:
                answering.clean_answer(question, data.get(name))
            except ServiceError as error:
                self.add_error(name, error.message)
        return data

    def orphan_answers(self) -> list[str]:
        """After the questions changed: what the person wrote to questions no longer asked,
        so nothing they typed is lost."""
        if not self.changed:
            return []
        asked = {f"q{q.pk}" for q in self.questions}
        texts = []
        for name in self.data:
            if name.startswith("q") and name[1:].isdigit() and name not in asked:
                values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]
                texts.extend(v.strip() for v in values if isinstance(v, str) and v.strip())
        return texts[:20]

    def answers(self) -> dict:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}


class FeedbackForm(Form):
    program = forms.ModelChoiceField(
        queryset=Program.objects.none(),
        required=False,
        empty_label="The organization in general",
        label="About",
    )
    text = forms.CharField(
        label="Your feedback",
        max_length=answering.MAX_ANSWER_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Suggestions, concerns, what works well — anything that would improve the program.",
    )
    anonymous = forms.BooleanField(
        label="Send anonymously",
        required=False,
        help_text="The program office will not see your name, and cannot reply to you.",
    )

    def __init__(self, *args, programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs if programs is not None else Program.objects.none()
