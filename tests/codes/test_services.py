import datetime

import pytest

from apps.codes.models import CodeFormat
from apps.codes.selectors import CodeFormatError, validate_code
from apps.codes.services import create_code_format, update_code_format

pytestmark = pytest.mark.django_db

NEXT_YEAR = datetime.date(2031, 1, 1)


def test_a_new_format_takes_over_from_its_start_date():
    create_code_format(kind="packing_export", pattern=r"^VN(?P<letters>[A-Z]{2})PH(?P<sequence>\d{5})$",
                       template="VN{letters}PH{sequence:05d}", example="vndlph00001", valid_from=NEXT_YEAR)
    saved = CodeFormat.objects.get(kind="packing_export", valid_from=NEXT_YEAR)
    assert saved.example == "VNDLPH00001"
    assert validate_code("packing_export", "VNDLPH00002", on=NEXT_YEAR) == ("DL", 2)


@pytest.mark.parametrize(("pattern", "template", "example", "error_code", "field"), [
    (r"^VN-(?P<letters>[A-Z]{2}", "VN-{letters}", "VN-DL", "bad_pattern", "pattern"),
    (r"^VN-(?P<letters>[A-Z]{2})-(\d{4})$", "VN-{letters}-{sequence:04d}", "VN-DL-0001", "bad_pattern", "pattern"),
    (r"^VN-(?P<letters>[A-Z]{2})-(?P<sequence>\d{4})$", "VN-{letters}-{sequence:04d}", "VN-DL-1", "bad_example",
     "example"),
    (r"^VN-(?P<letters>[A-Z]{2})-(?P<sequence>\d{4})$", "VN-{letters}-{sequence:05d}", "VN-DL-0001", "bad_template",
     "template"),
    (r"^VN-(?P<letters>[A-Z]{2})-(?P<sequence>\d{4})$", "VN-{province}-{sequence}", "VN-DL-0001", "bad_template",
     "template"),
])
def test_an_inconsistent_format_is_refused(pattern, template, example, error_code, field):
    with pytest.raises(CodeFormatError) as caught:
        create_code_format(kind="packing_export", pattern=pattern, template=template, example=example,
                           valid_from=NEXT_YEAR)
    assert (caught.value.code, caught.value.field) == (error_code, field)
    assert not CodeFormat.objects.filter(valid_from=NEXT_YEAR).exists()


def test_two_formats_of_a_kind_cannot_start_the_same_day():
    existing = CodeFormat.objects.get(kind="packing_export")
    with pytest.raises(CodeFormatError) as caught:
        create_code_format(kind="packing_export", pattern=existing.pattern, template=existing.template,
                           example=existing.example, valid_from=existing.valid_from)
    assert caught.value.code == "duplicate_format"


def test_updating_a_format_checks_it_again():
    existing = CodeFormat.objects.get(kind="packing_export")
    with pytest.raises(CodeFormatError) as caught:
        update_code_format(code_format=existing, example="VN-DLOR-0001")
    assert caught.value.code == "bad_example"
    updated = update_code_format(code_format=existing, basis="TCCS 775:2020/BVTV")
    updated.refresh_from_db()
    assert updated.basis == "TCCS 775:2020/BVTV"
