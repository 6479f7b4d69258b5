from pathlib import Path
from xml.etree import ElementTree as ET  # noqa: S405 - parsing our own output in tests

import pytest
from django.utils import translation

from apps.layers.registry import public_layers
from apps.maps.styles import (
    OGC_NAMESPACE,
    SLD_NAMESPACE,
    StyleError,
    load_all_styles,
    load_style,
    style_names,
    zoom_to_scale,
)

SLD = {"sld": SLD_NAMESPACE, "ogc": OGC_NAMESPACE}


def parse_xml(data: bytes) -> ET.Element:
    """Parse our own generated XML (trusted: produced by the code under test)."""
    return ET.fromstring(data)  # noqa: S314
LAYER_IDS = [layer.id for layer in public_layers()]


def test_every_registered_layer_has_a_style_file():
    assert set(LAYER_IDS) <= set(style_names())


def test_there_is_no_style_without_a_layer():
    assert set(style_names()) <= set(LAYER_IDS)


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_every_style_loads_and_names_its_layer(layer_id):
    style = load_style(layer_id)
    assert style.layer == layer_id
    assert style.title["vi"] and style.title["en"]
    assert all(c.title["vi"] and c.title["en"] for c in style.classes + style.modifiers)


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_the_style_geometry_fits_the_layer(layer_id):
    layer = next(layer for layer in public_layers() if layer.id == layer_id)
    expected = {"areal": "polygon", "point": "point", "linear": "line", "mixed": "mixed"}[layer.kind]
    assert load_style(layer_id).geometry == expected


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_styles_classify_only_by_properties_the_layer_publishes(layer_id):
    layer = next(layer for layer in public_layers() if layer.id == layer_id)
    published = {prop.name for prop in layer.properties}
    style = load_style(layer_id)
    used = {name for c in style.classes + style.modifiers for name in c.when}
    assert used <= published
    if style.label:
        assert style.label.property in published


def test_the_legend_lists_every_class_with_a_swatch_in_the_active_language():
    style = load_style("sales-points")
    with translation.override("vi"):
        html = str(style.legend_html())
    assert html.count("<li>") == len(style.classes) == 9
    assert html.count('class="legend-swatch"') == 9
    assert "Trung tâm OCOP cấp tỉnh" in html
    with translation.override("en"):
        assert "OCOP centre (province)" in str(style.legend_html())


def test_a_style_without_classes_still_has_a_legend_entry():
    style = load_style("tour-routes")
    with translation.override("en"):
        html = str(style.legend_html())
    assert html.count("<li>") == 1
    assert "Tour routes" in html and "<line" in html


def test_modifiers_appear_in_the_legend_and_override_the_class_symbol():
    style = load_style("zones")
    with translation.override("en"):
        texts = [text for text, _swatch in style.legend_entries()]
    assert "Revoked (red dashed outline)" in texts
    revoked = style.symbol_for({"kind": "cultivation", "status": "revoked"})
    active = style.symbol_for({"kind": "cultivation", "status": "active"})
    assert active.fill == revoked.fill == "#2e9e4f"
    assert (active.stroke, active.dash) == ("#1b6b33", "")
    assert (revoked.stroke, revoked.dash) == ("#c0392b", "2 4")


def test_leaflet_options_carry_classes_matching_rules_and_path_options():
    options = load_style("producers").leaflet_options()
    assert options["cluster"] is True
    five = next(c for c in options["classes"] if c["key"] == "stars_5")
    assert five["when"] == {"stars": ["5"]}
    assert five["style"]["shape"] == "star" and five["style"]["fillColor"] == "#b7950b"
    not_rated = next(c for c in options["classes"] if c["key"] == "not_rated")
    assert not_rated["when"] == {"stars": ["", "1", "2"]}


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_the_sld_is_well_formed_with_a_rule_per_class(layer_id):
    style = load_style(layer_id)
    root = parse_xml(style.to_sld().encode())
    assert root.tag == f"{{{SLD_NAMESPACE}}}StyledLayerDescriptor"
    assert root.find("sld:NamedLayer/sld:Name", SLD).text == layer_id
    rules = root.findall(".//sld:Rule", SLD)
    names = [rule.find("sld:Name", SLD).text for rule in rules]
    for style_class in style.classes + style.modifiers:
        assert names.count(style_class.key) == 1
    # classes + modifiers + the "other"/default rule + the label rule
    assert len(rules) == len(style.classes) + len(style.modifiers) + 1 + (1 if style.label else 0)


def test_sld_rules_filter_on_the_class_values():
    root = parse_xml(load_style("sales-points").to_sld().encode())
    rule = next(r for r in root.findall(".//sld:Rule", SLD) if r.find("sld:Name", SLD).text == "centre_province")
    comparison = rule.find("ogc:Filter/ogc:PropertyIsEqualTo", SLD)
    assert comparison.find("ogc:PropertyName", SLD).text == "kind"
    assert comparison.find("ogc:Literal", SLD).text == "centre_province"
    assert rule.find(".//sld:WellKnownName", SLD).text == "star"
    assert rule.find("sld:MaxScaleDenominator", SLD).text == f"{zoom_to_scale(4.5):.0f}"
    other = next(r for r in root.findall(".//sld:Rule", SLD) if r.find("sld:Name", SLD).text == "else")
    assert other.find("sld:ElseFilter", SLD) is not None


def test_a_multi_valued_class_becomes_an_or_filter():
    root = parse_xml(load_style("producers").to_sld().encode())
    rule = next(r for r in root.findall(".//sld:Rule", SLD) if r.find("sld:Name", SLD).text == "not_rated")
    literals = [node.text or "" for node in rule.findall("ogc:Filter/ogc:Or/ogc:PropertyIsEqualTo/ogc:Literal", SLD)]
    assert literals == ["", "1", "2"]


def test_zone_status_modifiers_draw_outlines_only_in_sld():
    root = parse_xml(load_style("zones").to_sld().encode())
    rule = next(r for r in root.findall(".//sld:Rule", SLD) if r.find("sld:Name", SLD).text == "revoked")
    symbolizer = rule.find("sld:PolygonSymbolizer", SLD)
    assert symbolizer.find("sld:Fill", SLD) is None
    dash = [p.text for p in symbolizer.findall("sld:Stroke/sld:CssParameter", SLD) if p.get("name") ==
            "stroke-dasharray"]
    assert dash == ["2 4"]


def test_mixed_layers_draw_boundaries_as_polygons_and_centroids_as_points():
    root = parse_xml(load_style("communes").to_sld().encode())
    rules = {r.find("sld:Name", SLD).text: r for r in root.findall(".//sld:Rule", SLD)}
    assert rules["with_boundary"].find("sld:PolygonSymbolizer", SLD) is not None
    assert rules["with_boundary"].find("sld:PointSymbolizer", SLD) is None
    assert rules["centroid_only"].find("sld:PointSymbolizer", SLD) is not None


def test_all_styles_load_together():
    assert len(load_all_styles()) == len(LAYER_IDS)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("layer: other\ngeometry: point\ntitle: {vi: a, en: b}\n", "layer_mismatch"),
        ("layer: broken\ngeometry: blob\ntitle: {vi: a, en: b}\n", "bad_geometry"),
        ("layer: broken\ngeometry: point\ntitle: {vi: a}\n", "missing_text"),
        ("layer: broken\ngeometry: point\ntitle: {vi: a, en: b}\ndefault: {fill: red}\n", "bad_colour"),
        ("layer: broken\ngeometry: point\ntitle: {vi: a, en: b}\ndefault: {shape: blob}\n", "bad_shape"),
        ("layer: broken\ngeometry: point\ntitle: {vi: a, en: b}\ncolour: red\n", "unknown_key"),
        ("layer: broken\ngeometry: point\ntitle: {vi: a, en: b}\nzoom: {min: 9, max: 3}\n", "bad_zoom"),
        ("layer: broken\ngeometry: point\ntitle: {vi: a, en: b}\nclasses: [{key: a, title: {vi: a, en: b}}]\n",
         "bad_when"),
        ("layer: [unclosed\n", "unreadable"),
        ("layer: broken\ngeometry: point\ntitle: {vi: a, en: b}\nclasses: [{key: else, when: {a: 1}, "
         "title: {vi: a, en: b}}]\n", "bad_class_key"),
    ],
)
def test_a_broken_style_file_is_refused_with_a_code(tmp_path: Path, text, code):
    (tmp_path / "broken.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(StyleError) as error:
        load_style("broken", directory=tmp_path)
    assert error.value.code == code


def test_a_layer_without_a_style_file_is_reported(tmp_path: Path):
    with pytest.raises(StyleError) as error:
        load_style("nothing", directory=tmp_path)
    assert error.value.code == "missing_style"
