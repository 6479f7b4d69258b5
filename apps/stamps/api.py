"""Stamps API (``/api/v1/stamps/…``): issue runs, download outputs, change statuses, images, alerts, reports.

Everything but counterfeit reports is for staff. Views translate a ``DomainError`` code into a 400 response.
"""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import permissions
from apps.common.errors import DomainError
from apps.stamps import outputs, rendering, selectors, services
from apps.stamps.models import Stamp, StampRun
from apps.stamps.serials import SerialError, normalize
from apps.traceability.models import Lot


class StampRunSerializer(serializers.ModelSerializer):
    lot_code = serializers.CharField(source="lot.code", read_only=True)
    product = serializers.CharField(source="lot.product.name", read_only=True)

    class Meta:
        model = StampRun
        fields = ["id", "lot", "lot_code", "product", "count", "created_at", "options"]
        read_only_fields = ["created_at"]


class IssueRunSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.all())
    count = serializers.IntegerField()
    options = serializers.DictField(required=False)


class StatusChangeSerializer(serializers.Serializer):
    to_status = serializers.CharField()
    sequence_from = serializers.IntegerField(required=False)
    sequence_to = serializers.IntegerField(required=False)
    first_serial = serializers.CharField(required=False)
    last_serial = serializers.CharField(required=False)
    serials = serializers.ListField(child=serializers.CharField(), required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReportSerializer(serializers.Serializer):
    serial = serializers.CharField(required=False, allow_blank=True, default="")
    message = serializers.CharField(allow_blank=True)
    place = serializers.CharField(required=False, allow_blank=True, default="")
    contact = serializers.CharField(required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False)
    lon = serializers.FloatField(required=False)


def _error(error: DomainError) -> Response:
    if isinstance(error, permissions.PermissionDeniedError):
        return Response(error.as_dict(), status=status.HTTP_403_FORBIDDEN)
    return Response(error.as_dict(), status=status.HTTP_400_BAD_REQUEST)


def _run(request, pk: int) -> StampRun:
    """A run the user may see (role and scope, apps.accounts), else 404."""
    return get_object_or_404(permissions.scope_queryset(request.user, StampRun.objects.select_related("lot__product")),
                             pk=pk)


class RunList(APIView):
    """Stamp runs, newest first; POST issues a run ``{lot, count, options}``."""

    permission_classes = [IsAdminUser]
    serializer_class = StampRunSerializer

    @extend_schema(operation_id="stamps_runs_list", responses=StampRunSerializer(many=True))
    def get(self, request):
        runs = permissions.scope_queryset(request.user, StampRun.objects.select_related("lot__product"))[:200]
        return Response(StampRunSerializer(runs, many=True).data)

    @extend_schema(request=IssueRunSerializer, responses=StampRunSerializer)
    def post(self, request):
        data = IssueRunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            permissions.authorize(request.user, "issue_stamps", data.validated_data["lot"])
            run = services.issue_stamp_run(lot=data.validated_data["lot"], count=data.validated_data["count"],
                                           options=data.validated_data.get("options"), created_by=request.user)
        except DomainError as error:
            return _error(error)
        return Response(StampRunSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetail(APIView):
    permission_classes = [IsAdminUser]
    serializer_class = StampRunSerializer

    def get(self, request, pk: int):
        run = _run(request, pk)
        data = StampRunSerializer(run).data
        data["statuses"] = dict(Stamp.objects.filter(run=run).values_list("status").annotate(total=Count("id")))
        data["sheet"] = request.build_absolute_uri(f"{request.path}sheet.pdf")
        data["manifest"] = request.build_absolute_uri(f"{request.path}manifest.csv")
        return Response(data)


class RunStatus(APIView):
    """Bulk status change of a run's stamps: a number range, a serial range or a serial list; all or none."""

    permission_classes = [IsAdminUser]

    @extend_schema(request=StatusChangeSerializer, responses=None)
    def post(self, request, pk: int):
        run = _run(request, pk)
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            permissions.authorize(request.user, permissions.UPDATE, run)
            sequence_from, sequence_to = values.get("sequence_from"), values.get("sequence_to")
            if values.get("first_serial") and values.get("last_serial"):
                range_run, sequence_from, sequence_to = services.serial_range(
                    first_serial=values["first_serial"], last_serial=values["last_serial"])
                if range_run.pk != run.pk:
                    return Response({"code": "range_across_runs", "message": "The serials are not of this run.",
                                     "field": "serials"}, status=400)
            change = services.change_stamp_status(
                to_status=values["to_status"], run=run, sequence_from=sequence_from, sequence_to=sequence_to,
                serials=values.get("serials"), reason=values.get("reason", ""), changed_by=request.user)
        except DomainError as error:
            return _error(error)
        return Response({"id": change.pk, "to_status": change.to_status, "changed": change.changed_count,
                         "unchanged": change.unchanged_count, "selection": change.selection})


class RunSheet(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        run = _run(request, pk)
        response = StreamingHttpResponse(outputs.run_sheet(run), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="stamps-run-{run.pk}.pdf"'
        return response


class RunManifest(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk: int):
        run = _run(request, pk)
        response = StreamingHttpResponse(outputs.run_manifest(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="stamps-run-{run.pk}.csv"'
        return response


class StampImage(APIView):
    """One stamp's QR code as PNG (``?scale=`` pixels per module, 1-40) or SVG."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        parameters=[OpenApiParameter("serial", str, OpenApiParameter.PATH),
                    OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["png", "svg"]),
                    OpenApiParameter("scale", int)],
        responses={(200, "image/png"): OpenApiTypes.BINARY, (200, "image/svg+xml"): OpenApiTypes.STR},
    )
    def get(self, request, serial: str, fmt: str):
        try:
            serial = normalize(serial)
        except SerialError as error:
            return _error(error)
        stamp = get_object_or_404(permissions.scope_queryset(
            request.user, Stamp.objects.select_related("lot__product", "run")), serial=serial)
        url = rendering.stamp_url(stamp)
        level = stamp.run.options.get("error_correction", "M")
        if fmt == "svg":
            return HttpResponse(rendering.svg_bytes(url, error_correction=level), content_type="image/svg+xml")
        try:
            scale = min(max(int(request.query_params.get("scale", 8)), 1), 40)
        except ValueError:
            scale = 8
        return HttpResponse(rendering.png_bytes(url, error_correction=level, scale=scale), content_type="image/png")


class Alerts(APIView):
    """Flagged stamps and unreviewed counterfeit reports."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        flagged = [{"serial": stamp.serial, "lot": stamp.lot.code, "product": stamp.lot.product.name,
                    "reason": stamp.flag_reason, "flagged_at": stamp.flagged_at, "scan_count": stamp.scan_count}
                   for stamp in permissions.scope_queryset(request.user, selectors.flagged_stamps())[:500]]
        reports = [{"id": report.pk, "serial": report.serial, "stamp": report.stamp.serial if report.stamp else None,
                    "message": report.message, "place": report.place, "created_at": report.created_at}
                   for report in permissions.scope_queryset(request.user, selectors.open_reports())[:500]]
        return Response({"flagged_stamps": flagged, "reports": reports})


class Reports(APIView):
    """A consumer's counterfeit report (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=ReportSerializer, responses=None)
    def post(self, request):
        data = ReportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            report = services.report_counterfeit(
                serial=values["serial"], message=values["message"], place=values["place"], contact=values["contact"],
                location=services.coarse_point(values.get("lat"), values.get("lon")))
        except DomainError as error:
            return _error(error)
        return Response({"id": report.pk}, status=status.HTTP_201_CREATED)


__all__ = ["Alerts", "Reports", "RunDetail", "RunList", "RunManifest", "RunSheet", "RunStatus",
           "StampImage"]
