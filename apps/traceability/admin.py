"""Admin for lots, the logbook, declarations and inspections; saves go through apps.traceability.services.

The logbook is add-only here: an event can be recorded and viewed, never changed or deleted (a correction is a new
event that names the one it corrects).
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from apps.accounts import permissions
from apps.common.admin import ScopedAdminMixin, ServiceAdminMixin
from apps.common.errors import DomainError
from apps.traceability import selectors, services
from apps.traceability.errors import InspectionError
from apps.traceability.models import (
    Inspection,
    InspectionPhoto,
    InspectionResult,
    Lot,
    LotSourceZone,
    LotStatus,
    ProductDeclaration,
    TraceEvent,
    TraceEventAttachment,
    TraceEventLot,
)


class ReadOnlyInline:
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ZoneShareFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        shares = [(form.cleaned_data["zone"], form.cleaned_data["share_percent"]) for form in self.forms
                  if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("zone")]
        try:
            services.check_zone_shares(shares)
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
        self.checked_shares = shares


class LotSourceZoneInline(admin.TabularInline):
    model = LotSourceZone
    formset = ZoneShareFormSet
    raw_id_fields = ["zone"]
    extra = 1

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or obj.status == LotStatus.OPEN

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


class RecallActionForm(ActionForm):
    reason = forms.CharField(label=_("recall reason"), required=False)


@admin.register(Lot)
class LotAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["code", "product", "production_date", "expiry_date", "quantity", "unit", "status", "chain"]
    list_filter = ["status", "production_date"]
    search_fields = ["code", "product__name"]
    date_hierarchy = "production_date"
    raw_id_fields = ["product", "packing_facility", "production_facility", "growing_area_codes", "source_lots"]
    fields = ["product", "code", "production_date", "expiry_date", "quantity", "unit", "packing_facility",
              "production_facility", "growing_area_codes", "source_lots", "status", "released_at", "recalled_at",
              "recall_reason"]
    readonly_fields = ["status", "released_at", "recalled_at", "recall_reason"]
    inlines = [LotSourceZoneInline]
    action_form = RecallActionForm
    actions = ["release", "recall"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "product", "code"]
        return self.readonly_fields

    @admin.display(description=_("logbook chain"))
    def chain(self, lot: Lot) -> str:
        return selectors.verify_chain(lot).message

    def create_through_service(self, request, data):
        return services.create_lot(
            product=data["product"], code=data["code"], production_date=data["production_date"],
            expiry_date=data.get("expiry_date"), quantity=data.get("quantity"), unit=data.get("unit", ""),
            packing_facility=data.get("packing_facility"), production_facility=data.get("production_facility"),
            growing_area_codes=data.get("growing_area_codes") or None, source_lots=data.get("source_lots") or (),
        )

    def update_through_service(self, request, lot, data):
        return services.update_lot(
            lot=lot, production_date=data["production_date"], expiry_date=data.get("expiry_date"),
            quantity=data.get("quantity"), unit=data.get("unit", ""), packing_facility=data.get("packing_facility"),
            production_facility=data.get("production_facility"),
            growing_area_codes=data.get("growing_area_codes") or (), source_lots=data.get("source_lots") or (),
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is LotSourceZone:
            services.set_lot_zone_shares(lot=form.instance, zone_shares=getattr(formset, "checked_shares", []))
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        super().save_formset(request, form, formset, change)

    @admin.action(description=_("Release the selected lots"))
    def release(self, request, queryset):
        for lot in queryset:
            try:
                services.release_lot(lot=lot)
            except DomainError as error:
                self.message_user(request, f"{lot.code}: {error.message}", messages.ERROR)

    @admin.action(description=_("Recall the selected lots (give the reason)"))
    def recall(self, request, queryset):
        reason = request.POST.get("reason", "")
        for lot in queryset:
            try:
                services.recall_lot(lot=lot, reason=reason)
            except DomainError as error:
                self.message_user(request, f"{lot.code}: {error.message}", messages.ERROR)


class TraceEventLotInline(ReadOnlyInline, admin.TabularInline):
    model = TraceEventLot
    fields = ["role", "lot", "quantity", "unit"]
    readonly_fields = fields


class TraceEventAttachmentInline(ReadOnlyInline, admin.TabularInline):
    model = TraceEventAttachment
    fields = ["file", "caption", "sha256"]
    readonly_fields = fields


class TraceEventForm(forms.ModelForm):
    quantity = forms.DecimalField(label=_("quantity"), required=False, max_digits=14, decimal_places=3)
    unit = forms.CharField(label=_("unit"), required=False, max_length=20)
    input_lots = forms.ModelMultipleChoiceField(
        label=_("input lots (transformation)"), queryset=Lot.objects.all(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}))
    documents = forms.CharField(
        label=_("business documents"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: type:number, e.g. inv:HD0001 or desadv:PGH-12 (inv = invoice, "
                    "desadv = delivery note, po = purchase order)."))
    attachment = forms.FileField(label=_("photo or document"), required=False)

    class Meta:
        model = TraceEvent
        fields = ["lot", "biz_step", "event_type", "action", "disposition", "event_time", "event_time_zone_offset",
                  "zone", "packing_facility", "production_facility", "sales_point", "location", "input_product",
                  "pre_harvest_interval_days", "parent_id", "notes", "corrects"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("event_type", "action", "disposition", "event_time_zone_offset"):
            if name in self.fields:  # defaults come from the business step
                self.fields[name].required = False

    def clean_documents(self) -> list[dict]:
        documents = []
        for line in (self.cleaned_data.get("documents") or "").splitlines():
            if line.strip():
                kind, _sep, number = line.partition(":")
                documents.append({"type": kind.strip(), "number": number.strip()})
        return documents


@admin.register(TraceEvent)
class TraceEventAdmin(ScopedAdminMixin, LeafletGeoAdmin):
    """Add and view logbook events; no change, no delete."""

    form = TraceEventForm
    list_display = ["lot", "sequence", "biz_step", "event_type", "event_time", "recorded_by", "short_hash",
                    "corrects"]
    list_filter = ["biz_step", "event_type"]
    search_fields = ["lot__code", "lot__product__name", "notes", "hash"]
    raw_id_fields = ["lot", "zone", "packing_facility", "production_facility", "sales_point", "corrects"]
    inlines = [TraceEventLotInline, TraceEventAttachmentInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # the service records links and attachments

    @admin.display(description=_("hash"))
    def short_hash(self, event: TraceEvent) -> str:
        return event.hash[:12]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return base

        class RecordingForm(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["input_lots"].queryset = permissions.scope_queryset(request.user, Lot.objects.all())

            def _post_clean(self):
                # Validate the model-independent parts only: the service builds and saves the event.
                if self.errors:
                    return
                data = self.cleaned_data
                lot = data["lot"]
                if data.get("event_type") == "transformation":
                    links = {"inputs": data.get("input_lots") or [],
                             "outputs": [services.LotQuantity(lot, data.get("quantity"), data.get("unit") or "")]}
                else:
                    links = {"objects": [services.LotQuantity(lot, data.get("quantity"), data.get("unit") or "")]}
                upload = data.get("attachment")
                try:
                    permissions.authorize(request.user, "create", TraceEvent, producer=lot.product.producer_id)
                    self.instance = services.record_event(
                        lot=lot, biz_step=data["biz_step"], event_time=data["event_time"],
                        recorded_by=request.user, event_type=data.get("event_type") or None,
                        action=data.get("action") or None, disposition=data.get("disposition") or None,
                        event_time_zone_offset=data.get("event_time_zone_offset") or "+07:00",
                        zone=data.get("zone"), packing_facility=data.get("packing_facility"),
                        production_facility=data.get("production_facility"), sales_point=data.get("sales_point"),
                        location=data.get("location"), business_documents=data.get("documents") or [],
                        input_product=data.get("input_product", ""),
                        pre_harvest_interval_days=data.get("pre_harvest_interval_days"),
                        parent_id=data.get("parent_id", ""), notes=data.get("notes", ""),
                        corrects=data.get("corrects"), attachments=[(upload, "")] if upload else [], **links,
                    )
                except DomainError as error:
                    field = error.field if error.field in self.fields else None
                    if error.field == "business_documents":
                        field = "documents"
                    self.add_error(field, error.message)

            def _save_m2m(self):
                """The service saved everything."""

        return RecordingForm

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("event_time", timezone.now())
        return initial

    def save_model(self, request, obj, form, change):
        """Saved by :func:`services.record_event` during validation."""

    def save_related(self, request, form, formsets, change):
        """The service saved the lot links and attachments."""


class DeclarationForm(forms.ModelForm):
    class Meta:
        model = ProductDeclaration
        fields = ["product", "declaration_number", "standard_applied", "composition", "net_quantity",
                  "shelf_life_days", "storage_conditions", "producer", "effective_from", "document"]


@admin.register(ProductDeclaration)
class ProductDeclarationAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """A declaration version is added, never edited: a change is a new version."""

    list_display = ["product", "version", "standard_applied", "shelf_life_days", "effective_from", "effective_to"]
    list_filter = ["effective_from"]
    search_fields = ["product__name", "declaration_number", "standard_applied"]
    raw_id_fields = ["product", "producer"]
    form = DeclarationForm

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def create_through_service(self, request, data):
        return services.declare_product(
            product=data["product"], standard_applied=data["standard_applied"], composition=data["composition"],
            net_quantity=data["net_quantity"], shelf_life_days=data["shelf_life_days"],
            effective_from=data["effective_from"], storage_conditions=data.get("storage_conditions", ""),
            producer=data.get("producer"), declaration_number=data.get("declaration_number", ""),
            document=data.get("document"),
        )


class InspectionPhotoForm(forms.ModelForm):
    """Photos added in the admin pass the same check as the phone form's (real image format, size)."""

    class Meta:
        model = InspectionPhoto
        fields = ["image", "caption"]

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and image is not self.initial.get("image"):
            try:
                extension = services.check_inspection_photo(image, field="image")
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
            image.name = f"{uuid.uuid4().hex}.{extension}"
        return image


class InspectionPhotoInline(admin.TabularInline):
    model = InspectionPhoto
    form = InspectionPhotoForm
    extra = 1


class ResolveActionForm(ActionForm):
    resolved_on = forms.DateField(label=_("resolved on"), required=False)
    note = forms.CharField(label=_("resolution"), required=False)


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = ["inspector_name", "organisation", "inspected_on", "zone", "packing_facility", "production_facility",
                  "producer", "lot", "location", "result", "findings"]


@admin.register(Inspection)
class InspectionAdmin(ServiceAdminMixin, LeafletGeoAdmin):
    list_display = ["inspected_on", "organisation", "inspector_name", "target", "result", "resolved_on"]
    list_filter = ["result", "inspected_on"]
    search_fields = ["organisation", "inspector_name", "findings"]
    raw_id_fields = ["zone", "packing_facility", "production_facility", "producer", "lot"]
    form = InspectionForm
    inlines = [InspectionPhotoInline]
    action_form = ResolveActionForm
    actions = ["resolve"]

    def has_change_permission(self, request, obj=None) -> bool:
        # Recorded findings are not rewritten; the detail page stays viewable, photos can be added on creation.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_formset(self, request, form, formset, change):
        # The photos belong to the inspection the service saved, not to the unsaved one the formset was built on.
        formset.instance = form.instance
        super().save_formset(request, form, formset, change)

    def create_through_service(self, request, data):
        targets = [data.get(name) for name in Inspection.TARGET_FIELDS if data.get(name) is not None]
        if len(targets) != 1:
            raise InspectionError("one_target_required",
                                           _("What was inspected: choose exactly one zone, facility, producer or lot."),
                                           field="zone")
        return services.record_inspection(
            inspector_name=data["inspector_name"], organisation=data["organisation"],
            inspected_on=data["inspected_on"], result=data["result"], target=targets[0],
            findings=data.get("findings", ""), location=data.get("location"), recorded_by=request.user,
        )

    @admin.action(description=_("Mark failed inspections resolved (give the date and how)"))
    def resolve(self, request, queryset):
        resolved_on = forms.DateField().clean(request.POST.get("resolved_on") or str(timezone.localdate()))
        for inspection in queryset.filter(result=InspectionResult.FAIL):
            try:
                services.resolve_inspection(inspection=inspection, resolved_on=resolved_on,
                                            note=request.POST.get("note", ""))
            except DomainError as error:
                self.message_user(request, f"{inspection}: {error.message}", messages.ERROR)
