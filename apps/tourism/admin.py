"""Admin for tourism sites and tour routes; saves go through apps.tourism.services."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from apps.common.admin import FoldedSearchMixin, ServiceAdminMixin
from apps.tourism import services
from apps.tourism.models import RouteStop, TourismSite, TourRoute

_SITE_FIELDS = ["name", "kind", "location", "area", "product", "producer", "description", "visiting_hours", "phone",
                "email", "website"]


@admin.register(TourismSite)
class TourismSiteAdmin(FoldedSearchMixin, ServiceAdminMixin, LeafletGeoAdmin):
    list_display = ["name", "kind", "commune", "producer"]
    list_filter = ["kind", "commune"]
    search_fields = ["search_name"]
    fields = [*_SITE_FIELDS, "commune"]
    readonly_fields = ["commune"]
    raw_id_fields = ["product", "producer"]

    def create_through_service(self, request, data):
        return services.create_tourism_site(**{name: data.get(name) for name in _SITE_FIELDS}, user=request.user)

    def update_through_service(self, request, site, data):
        return services.update_tourism_site(site=site, user=request.user,
                                            **{name: data.get(name) for name in _SITE_FIELDS})


class RouteStopInline(admin.TabularInline):
    """The stops in order, shown read-only: the route's sites are set through the service (field “sites”)."""

    model = RouteStop
    extra = 0
    can_delete = False
    fields = ["position", "site"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TourRoute)
class TourRouteAdmin(FoldedSearchMixin, ServiceAdminMixin, LeafletGeoAdmin):
    list_display = ["name", "length_km", "duration_hours", "stop_count"]
    search_fields = ["search_name"]
    fields = ["name", "site_order", "path", "description", "duration_hours", "length_km"]
    readonly_fields = ["length_km"]
    inlines = [RouteStopInline]

    @admin.display(description=_("stops"))
    def stop_count(self, route: TourRoute) -> int:
        return route.stops.count()

    def get_form(self, request, obj=None, change=False, **kwargs):
        from django import forms

        # "site_order" is declared below, not a model field: keep it out of the model form factory.
        kwargs["fields"] = [name for name in (kwargs.get("fields") or self.fields) if name != "site_order"]
        base = super().get_form(request, obj, change=change, **kwargs)

        class RouteForm(base):
            site_order = forms.ModelMultipleChoiceField(
                TourismSite.objects.all(), label=_("sites"), required=False,
                help_text=_("Leave the path empty to draw it straight from site to site, in the order chosen."),
            )

        RouteForm.base_fields["path"].required = False
        if obj is not None:
            RouteForm.base_fields["site_order"].initial = [stop.site_id for stop in obj.stops.all()]
        return RouteForm

    def get_fields(self, request, obj=None):
        return self.fields

    def _ordered_sites(self, request, data) -> list[TourismSite]:
        chosen = {site.pk: site for site in data.get("site_order") or ()}
        order = [int(pk) for pk in request.POST.getlist("site_order") if pk.isdigit() and int(pk) in chosen]
        return [chosen[pk] for pk in order]

    def create_through_service(self, request, data):
        return services.create_tour_route(name=data["name"], sites=self._ordered_sites(request, data),
                                          path=data.get("path"), description=data.get("description") or "",
                                          duration_hours=data.get("duration_hours"), user=request.user)

    def update_through_service(self, request, route, data):
        return services.update_tour_route(route=route, name=data["name"], sites=self._ordered_sites(request, data),
                                          path=data.get("path"), redraw_path=not data.get("path"),
                                          description=data.get("description") or "",
                                          duration_hours=data.get("duration_hours"), user=request.user)
