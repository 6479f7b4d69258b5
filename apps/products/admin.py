"""Admin for products and their classification; saves go through apps.products.services.

The product list shows the current OCOP status derived by apps.ratings.selectors (never stored twice) and
filters by it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.common.admin import FoldedSearchMixin, ScopedAdminMixin, ServiceAdminMixin
from apps.common.errors import DomainError
from apps.products import services
from apps.products.models import ClassificationLevel, Product, ProductCategory, ProductLink, ProductPhoto
from apps.ratings.admin import OcopRatingInline
from apps.ratings.selectors import OcopState, current_ocop_status, products_with_status

_FIELDS = ("name", "name_en", "kind", "category", "producer", "gtin", "short_description", "story", "video_url",
           "declared_standard", "shelf_life_days", "tags")


@admin.register(ProductCategory)
class ProductCategoryAdmin(FoldedSearchMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "level", "kind", "scheme", "parent"]
    list_filter = ["scheme", "level", "kind"]
    search_fields = ["search_name", "code", "name_en"]
    raw_id_fields = ["parent"]


class ProductLinkForm(forms.ModelForm):
    class Meta:
        model = ProductLink
        fields = ["kind", "url"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("url"):
            try:
                cleaned["url"] = services.check_link(cleaned["kind"], cleaned["url"])
            except DomainError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


class ProductLinkInline(admin.TabularInline):
    model = ProductLink
    form = ProductLinkForm
    extra = 0


class ProductPhotoInline(admin.TabularInline):
    model = ProductPhoto
    extra = 0
    fields = ["image", "caption", "position"]


class IndustryFilter(admin.SimpleListFilter):
    title = _("industry")
    parameter_name = "industry"

    def lookups(self, request, model_admin):
        return [(f"{node.scheme}:{node.code}", f"{node.name} ({node.scheme})")
                for node in ProductCategory.objects.filter(level=ClassificationLevel.INDUSTRY).order_by("scheme",
                                                                                                         "code")]

    def queryset(self, request, queryset):
        if not self.value() or ":" not in self.value():
            return queryset
        scheme, code = self.value().split(":", 1)
        return queryset.filter(Q(category__code=code) | Q(category__code__startswith=f"{code}."),
                               category__scheme=scheme)


class OcopStarsFilter(admin.SimpleListFilter):
    title = _("current OCOP stars")
    parameter_name = "stars"

    def lookups(self, request, model_admin):
        return [(str(stars), "★" * stars) for stars in (3, 4, 5)]

    def queryset(self, request, queryset):
        return queryset.filter(ocop_stars=int(self.value())) if self.value() in {"3", "4", "5"} else queryset


class OcopStateFilter(admin.SimpleListFilter):
    title = _("current OCOP status")
    parameter_name = "ocop_state"

    def lookups(self, request, model_admin):
        return [(OcopState.RECOGNISED, _("Recognised")), (OcopState.EXPIRED, _("Expired")),
                (OcopState.REVOKED, _("Revoked")), (OcopState.NONE, _("Never recognised"))]

    def queryset(self, request, queryset):
        return queryset.filter(ocop_state=self.value()) if self.value() else queryset


@admin.register(Product)
class ProductAdmin(FoldedSearchMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "producer", "category", "kind", "gtin", "current_stars", "current_state"]
    list_filter = [OcopStarsFilter, OcopStateFilter, "kind", IndustryFilter, "category__scheme",
                   ("category", admin.RelatedOnlyFieldListFilter),
                   ("origin_communes", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["search_name", "gtin", "producer__search_name"]
    fields = [*_FIELDS, "origin_communes", "slug", "current_ocop_status"]
    readonly_fields = ["slug", "current_ocop_status"]
    raw_id_fields = ["producer", "origin_communes"]
    list_select_related = ["producer", "category"]
    inlines = [ProductLinkInline, ProductPhotoInline, OcopRatingInline]

    def get_queryset(self, request):
        return products_with_status(super().get_queryset(request))

    @admin.display(description=_("current stars"), ordering="ocop_stars")
    def current_stars(self, product: Product) -> str:
        return "★" * product.ocop_stars if product.ocop_stars else "—"

    @admin.display(description=_("current OCOP status"), ordering="ocop_state")
    def current_state(self, product: Product) -> str:
        return {OcopState.RECOGNISED: _("Recognised"), OcopState.EXPIRED: _("Expired"),
                OcopState.REVOKED: _("Revoked"), OcopState.NONE: "—"}.get(product.ocop_state, "—")

    @admin.display(description=_("current OCOP status"))
    def current_ocop_status(self, product: Product) -> str:
        if product.pk is None:
            return "—"
        status = current_ocop_status(product)
        if status.state == OcopState.RECOGNISED:
            return _("%(stars)s — certificate %(number)s, valid until %(date)s") % {
                "stars": "★" * status.stars, "number": status.certificate_number,
                "date": status.valid_until.strftime("%d/%m/%Y")}
        if status.state == OcopState.EXPIRED:
            return _("Expired on %(date)s (%(stars)s, certificate %(number)s)") % {
                "date": status.expired_on.strftime("%d/%m/%Y"), "stars": "★" * status.stars,
                "number": status.certificate_number}
        if status.state == OcopState.REVOKED:
            return _("Revoked on %(date)s: %(reason)s") % {"date": status.revoked_on.strftime("%d/%m/%Y"),
                                                            "reason": status.revocation_reason}
        return _("Not recognised")

    def create_through_service(self, request, data):
        return services.register_product(**{name: data.get(name) for name in _FIELDS},
                                         origin_communes=data.get("origin_communes") or None)

    def update_through_service(self, request, product, data):
        return services.update_product(product=product, origin_communes=data.get("origin_communes") or None,
                                       **{name: data.get(name) for name in _FIELDS})

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProductLink:
            return super().save_formset(request, form, formset, change)
        links = formset.save(commit=False)
        for link in formset.deleted_objects:
            link.delete()
        for link in links:
            if link.pk:
                services.update_product_link(link=link, kind=link.kind, url=link.url)
            else:
                services.add_product_link(product=form.instance, kind=link.kind, url=link.url)
        return None
