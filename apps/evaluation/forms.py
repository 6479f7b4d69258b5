"""The steps of the evaluation cycle as HTML forms (biểu mẫu các bước chu trình OCOP).

A form only parses what the page sends (dates, numbers, files, choices within the user's scope) and hands it to the
step's service as keyword arguments; the service decides. A refusal comes back as a :class:`DomainError` whose
``field`` names the input: :meth:`StepForm.add_domain_error` puts its translated message next to that field (or
above the form when the field is not on it), and the bound form keeps what the user typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.common.errors import DomainError
from apps.evaluation.models import Candidacy, Criterion, MemberScore
from apps.evaluation.permissions import Actor
from apps.evaluation.services import PARTS, criteria_set_on, decision_level, era_on, plain_number
from apps.evaluation.workflow import Action, Role
from apps.products.models import ClassificationLevel, Product, ProductCategory
from apps.ratings.models import CouncilLevel, CriteriaSet

_TEXTAREA = {"rows": 3}
_DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}

PART_NAMES = {
    "a": _("Part A — product and community strength"),
    "b": _("Part B — marketing capability"),
    "c": _("Part C — product quality"),
}


class DateInput(forms.DateInput):
    """The phone's date picker (ISO dates on the wire, which Django always accepts)."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StepForm(forms.Form):
    """One step of the cycle on one candidacy, as the user fills it in.

    ``field_aliases`` maps the field a service names in its error to the form field that carries the input.
    Fields the services validate themselves (required texts, shares, scores) are optional here, so that the
    service's message — which names the field and the reason — is the one the user reads.
    """

    field_aliases: dict[str, str] = {}
    has_files = False
    tone = ""  # "negative" for steps that refuse or withdraw

    def __init__(self, *args: Any, action: str, candidacy: Candidacy | None = None, actor: Actor | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{action}_%s")  # several step forms share one page
        super().__init__(*args, **kwargs)
        self.action = action
        self.candidacy = candidacy
        self.actor = actor

    @property
    def title(self) -> str:
        return str(Action(self.action).label)

    def service_arguments(self) -> dict[str, Any]:
        """The service's keyword arguments (besides actor and candidacy), from the cleaned data."""
        return dict(self.cleaned_data)

    def field_for(self, error: DomainError) -> str | None:
        name = self.field_aliases.get(error.field or "", error.field)
        return name if name in self.fields else None

    def add_domain_error(self, error: DomainError) -> None:
        self.add_error(self.field_for(error), error.message)


class NoteForm(StepForm):
    """A review step with an optional note (accept the idea, approve the plan)."""

    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs=_TEXTAREA))


class ReasonForm(StepForm):
    """A step that needs a reason (reject the idea or the plan, return the dossier)."""

    tone = "negative"

    note = forms.CharField(label=_("Reason"), required=False,
                           widget=forms.Textarea(attrs={**_TEXTAREA, "required": True}))


class ResubmitIdeaForm(StepForm):
    idea_description = forms.CharField(label=_("Product idea"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 4}),
                                       help_text=_("Revise the idea after the commune's remarks."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.candidacy is not None:
            self.fields["idea_description"].initial = self.candidacy.idea_description


class PlanForm(StepForm):
    """Submit or resubmit the business plan: a summary and, optionally, the plan document."""

    has_files = True

    plan_summary = forms.CharField(label=_("Business plan"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                                   help_text=_("Market, production, investment and schedule."))
    plan_document = forms.FileField(label=_("Business plan document"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.candidacy is not None:
            self.fields["plan_summary"].initial = self.candidacy.plan_summary


class ProgressForm(StepForm):
    note = forms.CharField(label=_("Progress"), required=False, widget=forms.Textarea(attrs=_TEXTAREA),
                           help_text=_("What was done since the last report."))
    percent_done = forms.IntegerField(label=_("Share done (%)"), required=False,
                                      widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                      error_messages={"invalid": _("Share done: enter a whole number of per cent.")})


DOCUMENT_ROWS = 3


class DossierForm(StepForm):
    """Submit the dossier with up to three documents at once, each a title and a file."""

    has_files = True
    field_aliases = {"documents": "document_title_1"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(1, DOCUMENT_ROWS + 1):
            self.fields[f"document_title_{row}"] = forms.CharField(
                label=_("Document %(row)d: title") % {"row": row}, required=False, max_length=200,
                help_text=_("e.g. quality test report, product declaration, label, photos") if row == 1 else "")
            self.fields[f"document_file_{row}"] = forms.FileField(
                label=_("Document %(row)d: file") % {"row": row}, required=False)

    def service_arguments(self) -> dict[str, Any]:
        documents = []
        for row in range(1, DOCUMENT_ROWS + 1):
            title = self.cleaned_data.get(f"document_title_{row}") or ""
            upload = self.cleaned_data.get(f"document_file_{row}")
            if title.strip() or upload is not None:
                documents.append((title, upload))
        return {"documents": documents}


class ConfirmDossierForm(StepForm):
    """The commune's confirmation: product samples received, shares of local labour and local raw material."""

    samples_received_on = forms.DateField(label=_("Product samples received on"), required=False, widget=DateInput())
    # Text, not DecimalField: the service reads "80,5" as well as "80.5" and explains what is wrong.
    local_labour_share = forms.CharField(label=_("Local labour share (%)"), required=False,
                                         widget=forms.TextInput(attrs=_DECIMAL))
    local_material_share = forms.CharField(label=_("Local raw-material share (%)"), required=False,
                                           widget=forms.TextInput(attrs=_DECIMAL))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs=_TEXTAREA))


def council_members() -> QuerySet:
    """Active users whose role is council member (thành viên hội đồng)."""
    return (get_user_model().objects.filter(is_active=True, officer_profile__role=Role.COUNCIL_MEMBER)
            .order_by("last_name", "first_name", "username"))


class OpenEvaluationForm(StepForm):
    members = forms.ModelMultipleChoiceField(
        label=_("Council members who score"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Council: %(value)s is not a council member."),
                        "invalid_pk_value": _("Council: %(pk)s is not a council member.")})
    criteria_set = forms.ModelChoiceField(label=_("Criteria set"), queryset=CriteriaSet.objects.all(),
                                          required=False, empty_label=_("The set in force today"))
    council_level = forms.ChoiceField(label=_("Evaluating council"), choices=CouncilLevel.choices,
                                      initial=CouncilLevel.PROVINCE)
    evaluation_round = forms.CharField(label=_("Evaluation round"), required=False, max_length=30,
                                       help_text=_('e.g. "2026 round 1"'))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = council_members()
        self.fields["members"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
        self.fields["criteria_set"].queryset = CriteriaSet.objects.order_by("-effective_from")

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["members"] = list(data["members"])
        return data


class ScoreForm(StepForm):
    """A council member's scores: parts A, B and C, or criterion by criterion under the candidacy's criteria set.

    The maxima shown are the set's; the service enforces them (``score_above_maximum``). A part left empty is the
    sum of its criteria.
    """

    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs=_TEXTAREA))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        criteria_set = self.candidacy.criteria_set
        previous = None
        if self.actor is not None and self.actor.user_id:
            previous = MemberScore.objects.filter(candidacy=self.candidacy, member_id=self.actor.user_id).first()
        self.criteria: list[Criterion] = list(Criterion.objects.filter(criteria_set=criteria_set))
        self.criterion_fields: dict[str, str] = {}
        fields: dict[str, forms.Field] = {}
        for part in PARTS:
            maximum = criteria_set.part_maximum(part)
            help_text = _("Maximum %(maximum)s under %(set)s.") % {"maximum": plain_number(maximum),
                                                                    "set": criteria_set.code}
            if any(criterion.part == part for criterion in self.criteria):
                help_text = _("Maximum %(maximum)s under %(set)s; leave empty to use the sum of its criteria.") % {
                    "maximum": plain_number(maximum), "set": criteria_set.code}
            fields[f"score_{part}"] = forms.CharField(
                label=PART_NAMES[part], required=False, help_text=help_text,
                widget=forms.TextInput(attrs={**_DECIMAL, "data-maximum": plain_number(maximum)}),
                initial=plain_number(getattr(previous, f"score_{part}")) if previous else None)
            for criterion in (criterion for criterion in self.criteria if criterion.part == part):
                name = f"criterion_{criterion.pk}"
                self.criterion_fields[criterion.code] = name
                fields[name] = forms.CharField(
                    label=f"{criterion.code} {criterion.name}", required=False,
                    help_text=_("Maximum %(maximum)s.") % {"maximum": plain_number(criterion.max_score)},
                    widget=forms.TextInput(attrs={**_DECIMAL, "data-maximum": plain_number(criterion.max_score),
                                                  "data-part": part}),
                    initial=(previous.criterion_scores.get(criterion.code) if previous else None))
        fields["comment"] = self.fields.pop("comment")
        self.fields.update(fields)
        if previous is not None:
            self.fields["comment"].initial = previous.comment
        self.previous = previous

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        criterion_scores = {code: data[name] for code, name in self.criterion_fields.items()
                            if (data.get(name) or "").strip()}
        return {"score_a": data.get("score_a"), "score_b": data.get("score_b"), "score_c": data.get("score_c"),
                "criterion_scores": criterion_scores or None, "comment": data.get("comment", "")}

    def field_for(self, error: DomainError) -> str | None:
        if error.field == "criterion_scores" and error.params.get("criterion") in self.criterion_fields:
            return self.criterion_fields[error.params["criterion"]]
        return super().field_for(error)


class ConfirmForm(StepForm):
    """A step with nothing to fill in (close the evaluation, publish the result, start a re-evaluation)."""


class DecisionForm(StepForm):
    """The recognition decision: number, date and issuing authority; the issuer level follows the era's rules."""

    decision_number = forms.CharField(label=_("Decision number"), required=False, max_length=60,
                                      help_text=_('e.g. "215/QĐ-UBND"'))
    decision_date = forms.DateField(label=_("Decision date"), required=False, widget=DateInput())
    issuing_authority = forms.CharField(label=_("Issuing authority"), required=False, max_length=200,
                                        help_text=_("Leave empty for the People's Committee of the province."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stars: int | None = None
        self.issuer_level: str | None = None
        candidacy = self.candidacy
        if candidacy is not None and candidacy.total is not None and candidacy.criteria_set_id:
            self.stars = candidacy.criteria_set.stars_for(candidacy.total)
            try:
                level = decision_level(era=era_on(candidacy.evaluated_on), stars=self.stars,
                                       council_level=candidacy.council_level)
            except DomainError:
                level = None
            self.issuer_level = CouncilLevel(level).label if level in CouncilLevel.values else level


class RevokeForm(StepForm):
    tone = "negative"
    field_aliases = {"revocation_reason": "reason"}

    reason = forms.CharField(label=_("Reason"), required=False,
                             widget=forms.Textarea(attrs={**_TEXTAREA, "required": True}),
                             help_text=_("e.g. the quality or food-safety finding."))
    revoked_on = forms.DateField(label=_("Revoked on"), required=False, widget=DateInput(),
                                 initial=timezone.localdate)


def _category_label(category: ProductCategory) -> str:
    return f"{category.parent.name} › {category.name}" if category.parent_id else category.name


def idea_categories() -> QuerySet[ProductCategory]:
    """Groups and sub-groups of the classification in force (the criteria set in force today)."""
    try:
        scheme = criteria_set_on(timezone.localdate()).code
    except DomainError:
        return ProductCategory.objects.none()
    return (ProductCategory.objects.filter(scheme=scheme).exclude(level=ClassificationLevel.INDUSTRY)
            .select_related("parent").order_by("code"))


class IdeaForm(StepForm):
    """Register a product idea (đăng ký ý tưởng sản phẩm): for a producer in the user's scope, an existing product
    of theirs or a new one (name and group)."""

    field_aliases = {"name": "product_name"}

    producer = forms.ModelChoiceField(label=_("Producer"), queryset=None)
    product = forms.ModelChoiceField(label=_("Existing product"), queryset=None, required=False,
                                     empty_label=_("— a new product —"),
                                     help_text=_("Or leave empty and name the new product below."))
    product_name = forms.CharField(label=_("New product's name"), required=False, max_length=200)
    category = forms.ModelChoiceField(label=_("Product group"), queryset=None, required=False)
    idea_description = forms.CharField(label=_("Product idea"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 4}),
                                       help_text=_("What the product is, from which raw material, for which market."))
    cycle_year = forms.IntegerField(label=_("Cycle year"), required=False, min_value=2018, max_value=2100,
                                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                    error_messages={"invalid": _("Cycle year: enter a year, e.g. 2026.")})

    def __init__(self, *args: Any, producers: QuerySet, **kwargs: Any) -> None:
        kwargs.setdefault("action", "register_idea")
        super().__init__(*args, **kwargs)
        producers = producers.select_related("commune").order_by("name")
        self.fields["producer"].queryset = producers
        self.fields["producer"].label_from_instance = lambda producer: f"{producer.name} ({producer.commune.name})"
        if len(producers) == 1:
            self.fields["producer"].initial = producers[0].pk
        self.fields["product"].queryset = Product.objects.filter(producer__in=producers).order_by("name")
        self.fields["category"].queryset = idea_categories()
        self.fields["category"].label_from_instance = _category_label
        self.fields["cycle_year"].initial = timezone.localdate().year
