import datetime

import pytest

from apps.codes.models import CodeFormat
from apps.codes.selectors import CodeFormatError, format_in_force, propose_next_code, validate_code
from apps.zones.models import GrowingAreaCode

pytestmark = pytest.mark.django_db


def test_the_seeded_export_formats_accept_published_codes():
    assert validate_code("growing_area_export", "VN-DLOR-0017") == ("DL", 17)
    assert validate_code("packing_export", " vn-dlph-0001 ") == ("DL", 1)


@pytest.mark.parametrize("code", ["VN-DLOR-17", "VN-DLPH-0017", "DLOR-0017", "VN-DAKLAKOR-0017", "VN-DLOR-00170"])
def test_codes_that_do_not_match_the_format_are_refused_naming_the_example(code):
    with pytest.raises(CodeFormatError) as caught:
        validate_code("growing_area_export", code)
    assert caught.value.code == "code_format"
    assert "VN-DLOR-0017" in caught.value.message
    assert caught.value.field == "code"


def test_the_format_in_force_is_the_latest_one_already_started():
    CodeFormat.objects.create(kind="growing_area_export", pattern=r"^VN-(?P<letters>[A-Z]{2})-OR(?P<sequence>\d{5})$",
                              template="VN-{letters}-OR{sequence:05d}", example="VN-DL-OR00017",
                              valid_from=datetime.date(2030, 1, 1))
    assert format_in_force("growing_area_export", on=datetime.date(2029, 12, 31)).example == "VN-DLOR-0017"
    assert format_in_force("growing_area_export", on=datetime.date(2030, 1, 1)).example == "VN-DL-OR00017"
    with pytest.raises(CodeFormatError) as caught:
        validate_code("growing_area_export", "VN-DLOR-0017", on=datetime.date(2030, 6, 1))
    assert "VN-DL-OR00017" in caught.value.message


def test_no_format_before_the_first_one_started():
    with pytest.raises(CodeFormatError) as caught:
        format_in_force("packing_export", on=datetime.date(2019, 1, 1))
    assert caught.value.code == "no_code_format"


def test_the_next_code_follows_the_highest_sequence_of_the_same_letters():
    existing = ["VN-DLOR-0001", "VN-DLOR-0017", "VN-PYOR-0040", "not a code"]
    assert propose_next_code("growing_area_export", "DL", existing) == "VN-DLOR-0018"
    assert propose_next_code("growing_area_export", "py", existing) == "VN-PYOR-0041"
    assert propose_next_code("growing_area_export", "KH", existing) == "VN-KHOR-0001"


def test_the_next_code_reads_a_queryset_of_records(coffee):
    GrowingAreaCode.objects.create(code="VN-DLOR-0009", code_type="export", crop=coffee, issuing_authority="Cục BVTV",
                                   issue_date=datetime.date(2024, 5, 1))
    assert propose_next_code("growing_area_export", "DL", GrowingAreaCode.objects.all()) == "VN-DLOR-0010"
    values = GrowingAreaCode.objects.values_list("code", flat=True)
    assert propose_next_code("growing_area_export", "DL", values) == "VN-DLOR-0010"


def test_a_proposal_that_overflows_the_format_is_refused():
    with pytest.raises(CodeFormatError) as caught:
        propose_next_code("growing_area_export", "DL", ["VN-DLOR-9999"])
    assert caught.value.code == "code_format"
    with pytest.raises(CodeFormatError):
        propose_next_code("growing_area_export", "DAKLAK", [])


def test_domestic_formats_are_seeded_as_data():
    assert validate_code("growing_area_domestic", "DL-000123-VT") == ("DL", 123)
    assert propose_next_code("packing_domestic", "DL", ["DL-0007-DG"]) == "DL-0008-DG"
