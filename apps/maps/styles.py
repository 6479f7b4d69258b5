"""Layer styles: one declarative YAML file per public layer in ``map_styles/``, read by one loader.

A style file names its layer, its geometry (``point``, ``polygon`` or ``line``), a title and legend
texts in Vietnamese and English, zoom range, label, a default symbol and *classes*: the first class
whose ``when`` matches a feature's properties gives its symbol. Optional *modifiers* (e.g. a zone's
status) are drawn on top of the class symbol: in Leaflet their keys override the class symbol, in SLD
they become extra rules. The same style feeds

- :meth:`LayerStyle.leaflet_options` — JSON the map pages' script understands;
- :meth:`LayerStyle.legend_html` — the legend on our pages;
- :meth:`LayerStyle.to_sld` — a Styled Layer Descriptor 1.0 document QGIS (and GeoServer) can load.

A broken file raises :class:`StyleError` with a stable ``code`` naming the problem.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - we only build XML here, never parse untrusted input

import yaml
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.common.errors import DomainError

STYLE_DIRECTORY = Path(settings.BASE_DIR) / "map_styles"
GEOMETRIES = ("point", "polygon", "line", "mixed")  # mixed: polygons where drawn, points otherwise
# Marker shapes every renderer can draw: Leaflet (inline SVG) and SLD well-known marks.
SHAPES = ("circle", "square", "triangle", "star", "cross", "x")
LANGUAGES = ("vi", "en")
RESERVED_KEYS = ("else", "labels")  # names of the SLD's fallback and label rules
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DASH = re.compile(r"^\d+(?: \d+)*$")
# Scale denominator of web-mercator zoom 0 at 0.28 mm per pixel (OGC's standardised rendering pixel).
_ZOOM_0_SCALE = 559_082_264.028

SLD_NAMESPACE = "http://www.opengis.net/sld"
OGC_NAMESPACE = "http://www.opengis.net/ogc"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"


class StyleError(DomainError):
    default_code = "invalid_style"


@dataclass(frozen=True)
class Symbol:
    """How one class of features is drawn. Point layers use ``shape``/``size``; all use colours."""

    shape: str = "circle"
    size: int = 14
    fill: str = "#3388ff"
    fill_opacity: float = 0.6
    stroke: str = "#ffffff"
    stroke_width: float = 1.5
    stroke_opacity: float = 1.0
    dash: str = ""

    def leaflet(self) -> dict[str, Any]:
        options = {
            "color": self.stroke,
            "weight": self.stroke_width,
            "opacity": self.stroke_opacity,
            "fillColor": self.fill,
            "fillOpacity": self.fill_opacity,
            "shape": self.shape,
            "size": self.size,
        }
        if self.dash:
            options["dashArray"] = self.dash
        return options

    def swatch_svg(self, geometry: str, *, size: int = 18) -> SafeString:
        """Return an inline SVG swatch for the legend (same drawing as the map markers)."""
        half = size / 2
        dash = format_html(' stroke-dasharray="{}"', self.dash) if self.dash else ""
        if geometry == "line":
            body = format_html(
                '<line x1="1" y1="{y}" x2="{x2}" y2="{y}" stroke="{stroke}" stroke-width="{width}" '
                'stroke-opacity="{opacity}"{dash}/>',
                y=half, x2=size - 1, stroke=self.stroke, width=max(self.stroke_width, 2), opacity=self.stroke_opacity,
                dash=dash,
            )
        elif geometry in ("polygon", "mixed"):
            body = format_html(
                '<rect x="1.5" y="1.5" width="{side}" height="{side}" fill="{fill}" fill-opacity="{fill_opacity}" '
                'stroke="{stroke}" stroke-width="{width}" stroke-opacity="{opacity}"{dash}/>',
                side=size - 3, fill=self.fill, fill_opacity=self.fill_opacity, stroke=self.stroke,
                width=self.stroke_width, opacity=self.stroke_opacity, dash=dash,
            )
        else:
            body = format_html(
                '<path d="{d}" fill="{fill}" fill-opacity="{fill_opacity}" stroke="{stroke}" stroke-width="{width}"'
                ' stroke-opacity="{opacity}"{dash}/>',
                d=marker_path(self.shape, size), fill=self.fill, fill_opacity=max(self.fill_opacity, 0.85),
                stroke=self.stroke, width=self.stroke_width, opacity=self.stroke_opacity, dash=dash,
            )
        return format_html(
            '<svg class="legend-swatch" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
            'aria-hidden="true">{body}</svg>',
            size=size, body=body,
        )


def marker_path(shape: str, size: float) -> str:
    """Return the SVG path of a marker ``shape`` inside a ``size`` × ``size`` box (shared with map.js)."""
    c = size / 2
    r = size / 2 - 1.5
    if shape == "square":
        return f"M{c - r:.2f} {c - r:.2f}H{c + r:.2f}V{c + r:.2f}H{c - r:.2f}Z"
    if shape == "triangle":
        return f"M{c:.2f} {c - r:.2f}L{c + r:.2f} {c + r:.2f}H{c - r:.2f}Z"
    if shape == "star":
        points = []
        for index in range(10):
            radius = r if index % 2 == 0 else r * 0.45
            angle = math.pi / 2 + index * math.pi / 5
            points.append(f"{c + radius * math.cos(angle):.2f} {c - radius * math.sin(angle):.2f}")
        return "M" + "L".join(points) + "Z"
    if shape == "cross":
        w = r / 3
        return (f"M{c - w:.2f} {c - r:.2f}H{c + w:.2f}V{c - w:.2f}H{c + r:.2f}V{c + w:.2f}H{c + w:.2f}"
                f"V{c + r:.2f}H{c - w:.2f}V{c + w:.2f}H{c - r:.2f}V{c - w:.2f}H{c - w:.2f}Z")
    if shape == "x":
        w = r / 3
        return (f"M{c - r:.2f} {c - r + w:.2f}L{c - r + w:.2f} {c - r:.2f}L{c:.2f} {c - w:.2f}L{c + r - w:.2f} "
                f"{c - r:.2f}L{c + r:.2f} {c - r + w:.2f}L{c + w:.2f} {c:.2f}L{c + r:.2f} {c + r - w:.2f}L"
                f"{c + r - w:.2f} {c + r:.2f}L{c:.2f} {c + w:.2f}L{c - r + w:.2f} {c + r:.2f}L{c - r:.2f} "
                f"{c + r - w:.2f}L{c - w:.2f} {c:.2f}Z")
    return f"M{c - r:.2f} {c:.2f}A{r:.2f} {r:.2f} 0 1 0 {c + r:.2f} {c:.2f}A{r:.2f} {r:.2f} 0 1 0 {c - r:.2f} {c:.2f}Z"


@dataclass(frozen=True)
class StyleClass:
    """One legend entry: features whose properties match ``when`` (property → accepted values)."""

    key: str
    title: dict[str, str]
    when: dict[str, tuple]
    symbol: Symbol
    overrides: dict[str, Any] = field(default_factory=dict)
    geometry: str | None = None  # for mixed layers: whether this class is drawn as a point or a polygon

    def matches(self, properties: dict[str, Any]) -> bool:
        return all(_as_text(properties.get(name)) in values for name, values in self.when.items())


@dataclass(frozen=True)
class Label:
    property: str
    min_zoom: int


@dataclass(frozen=True)
class LayerStyle:
    """A parsed style file (see the module docstring)."""

    layer: str
    geometry: str
    title: dict[str, str]
    description: dict[str, str]
    min_zoom: int
    max_zoom: int
    default: Symbol
    classes: tuple[StyleClass, ...]
    modifiers: tuple[StyleClass, ...]
    label: Label | None
    cluster: bool
    source: Path

    def text(self, texts: dict[str, str]) -> str:
        return localized(texts)

    def symbol_for(self, properties: dict[str, Any]) -> Symbol:
        """Return the symbol a feature with ``properties`` is drawn with (class, then modifiers)."""
        symbol = self.default
        for style_class in self.classes:
            if style_class.matches(properties):
                symbol = style_class.symbol
                break
        for modifier in self.modifiers:
            if modifier.matches(properties):
                symbol = _override(symbol, modifier.overrides)
        return symbol

    def leaflet_options(self) -> dict[str, Any]:
        """Return the JSON-serialisable options map.js draws this layer with (texts in the active language)."""
        return {
            "layer": self.layer,
            "geometry": self.geometry,
            "title": self.text(self.title),
            "minZoom": self.min_zoom,
            "maxZoom": self.max_zoom,
            "cluster": self.cluster,
            "label": {"property": self.label.property, "minZoom": self.label.min_zoom} if self.label else None,
            "default": self.default.leaflet(),
            "classes": [
                {"key": c.key, "title": self.text(c.title), "when": _json_when(c.when), "style": c.symbol.leaflet(),
                 "geometry": c.geometry}
                for c in self.classes
            ],
            "modifiers": [
                {"key": m.key, "title": self.text(m.title), "when": _json_when(m.when),
                 "style": _leaflet_overrides(m.overrides)}
                for m in self.modifiers
            ],
        }

    def legend_entries(self) -> list[tuple[str, SafeString]]:
        """Return (text, swatch SVG) pairs: the classes, then the modifiers drawn on the default symbol."""
        entries = [(self.text(c.title), c.symbol.swatch_svg(c.geometry or self.geometry)) for c in self.classes]
        if not self.classes:
            entries.append((self.text(self.title), self.default.swatch_svg(self.geometry)))
        base = self.classes[0].symbol if self.classes else self.default
        entries += [(self.text(m.title), _override(base, m.overrides).swatch_svg(self.geometry))
                    for m in self.modifiers]
        return entries

    def legend_html(self) -> SafeString:
        """Return the legend as an HTML fragment (a titled list of swatches), in the active language."""
        items = format_html_join(
            "", '<li>{}<span>{}</span></li>', ((swatch, text) for text, swatch in self.legend_entries())
        )
        return format_html(
            '<section class="legend" data-layer="{layer}"><h3>{title}</h3><ul>{items}</ul></section>',
            layer=self.layer, title=self.text(self.title), items=items,
        )

    def to_sld(self) -> str:
        """Return a Styled Layer Descriptor 1.0.0 document: one rule per class and per modifier, plus labels."""
        ET.register_namespace("", SLD_NAMESPACE)
        ET.register_namespace("ogc", OGC_NAMESPACE)
        ET.register_namespace("xlink", XLINK_NAMESPACE)
        ET.register_namespace("xsi", XSI_NAMESPACE)
        root = ET.Element(_sld("StyledLayerDescriptor"), {
            "version": "1.0.0",
            f"{{{XSI_NAMESPACE}}}schemaLocation":
                "http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd",
        })
        named_layer = ET.SubElement(root, _sld("NamedLayer"))
        ET.SubElement(named_layer, _sld("Name")).text = self.layer
        user_style = ET.SubElement(named_layer, _sld("UserStyle"))
        ET.SubElement(user_style, _sld("Name")).text = self.layer
        ET.SubElement(user_style, _sld("Title")).text = self.text(self.title)
        if self.description:
            ET.SubElement(user_style, _sld("Abstract")).text = self.text(self.description)
        feature_style = ET.SubElement(user_style, _sld("FeatureTypeStyle"))
        for style_class in self.classes:
            self._sld_rule(feature_style, style_class.key, self.text(style_class.title), style_class.when,
                           style_class.symbol, geometry=style_class.geometry)
        self._sld_rule(feature_style, "else" if self.classes else self.layer,
                       _("Other") if self.classes else self.text(self.title), None, self.default,
                       is_else=bool(self.classes))
        for modifier in self.modifiers:
            base = self.classes[0].symbol if self.classes else self.default
            self._sld_rule(feature_style, modifier.key, self.text(modifier.title), modifier.when,
                           _override(base, modifier.overrides), outline_only=self.geometry == "polygon")
        if self.label:
            rule = ET.SubElement(feature_style, _sld("Rule"))
            ET.SubElement(rule, _sld("Name")).text = "labels"
            self._sld_scales(rule, max(self.label.min_zoom, self.min_zoom), self.max_zoom)
            text = ET.SubElement(rule, _sld("TextSymbolizer"))
            label = ET.SubElement(text, _sld("Label"))
            ET.SubElement(label, _ogc("PropertyName")).text = self.label.property
            font = ET.SubElement(text, _sld("Font"))
            _css(font, "font-family", "Sans-Serif")
            _css(font, "font-size", "11")
            halo = ET.SubElement(text, _sld("Halo"))
            ET.SubElement(halo, _sld("Radius")).text = "1.5"
            _css(ET.SubElement(halo, _sld("Fill")), "fill", "#ffffff")
            _css(ET.SubElement(text, _sld("Fill")), "fill", "#222222")
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    def _sld_rule(self, parent: ET.Element, name: str, title: str, when: dict[str, tuple] | None, symbol: Symbol,
                  *, is_else: bool = False, outline_only: bool = False, geometry: str | None = None) -> None:
        geometry = geometry or self.geometry
        rule = ET.SubElement(parent, _sld("Rule"))
        ET.SubElement(rule, _sld("Name")).text = name
        ET.SubElement(rule, _sld("Title")).text = title
        if when:
            rule.append(_ogc_filter(when))
        elif is_else:
            ET.SubElement(rule, _sld("ElseFilter"))
        self._sld_scales(rule, self.min_zoom, self.max_zoom)
        if geometry in ("polygon", "mixed"):
            polygon = ET.SubElement(rule, _sld("PolygonSymbolizer"))
            if not outline_only:
                fill = ET.SubElement(polygon, _sld("Fill"))
                _css(fill, "fill", symbol.fill)
                _css(fill, "fill-opacity", f"{symbol.fill_opacity:g}")
            _stroke(ET.SubElement(polygon, _sld("Stroke")), symbol)
        if geometry in ("point", "mixed"):
            point = ET.SubElement(rule, _sld("PointSymbolizer"))
            graphic = ET.SubElement(point, _sld("Graphic"))
            mark = ET.SubElement(graphic, _sld("Mark"))
            ET.SubElement(mark, _sld("WellKnownName")).text = symbol.shape
            fill = ET.SubElement(mark, _sld("Fill"))
            _css(fill, "fill", symbol.fill)
            _css(fill, "fill-opacity", f"{max(symbol.fill_opacity, 0.85):g}")
            _stroke(ET.SubElement(mark, _sld("Stroke")), symbol)
            ET.SubElement(graphic, _sld("Size")).text = f"{symbol.size:g}"
        if geometry == "line":
            _stroke(ET.SubElement(ET.SubElement(rule, _sld("LineSymbolizer")), _sld("Stroke")), symbol)

    @staticmethod
    def _sld_scales(rule: ET.Element, min_zoom: int, max_zoom: int) -> None:
        if max_zoom < 22:
            ET.SubElement(rule, _sld("MinScaleDenominator")).text = f"{zoom_to_scale(max_zoom + 0.5):.0f}"
        if min_zoom > 0:
            ET.SubElement(rule, _sld("MaxScaleDenominator")).text = f"{zoom_to_scale(min_zoom - 0.5):.0f}"


def zoom_to_scale(zoom: float) -> float:
    """Return the scale denominator of a web-mercator zoom level (at the equator, 0.28 mm pixels)."""
    return _ZOOM_0_SCALE / (2**zoom)


def localized(texts: dict[str, str]) -> str:
    """Return the text in the active language, falling back to Vietnamese."""
    language = (get_language() or "vi")[:2]
    return texts.get(language) or texts.get("vi") or next(iter(texts.values()), "")


def style_names() -> list[str]:
    """Return the layer names that have a style file, sorted."""
    return sorted(path.stem for path in STYLE_DIRECTORY.glob("*.yaml"))


def load_style(layer: str, *, directory: Path | None = None) -> LayerStyle:
    """Load and validate the style of ``layer`` from ``map_styles/<layer>.yaml``."""
    if directory is None:
        return _cached_style(layer)
    return _load(layer, directory)


def load_all_styles() -> dict[str, LayerStyle]:
    return {name: load_style(name) for name in style_names()}


@functools.cache
def _cached_style(layer: str) -> LayerStyle:
    return _load(layer, STYLE_DIRECTORY)


def clear_cache() -> None:
    _cached_style.cache_clear()


# ------------------------------------------------------------------------------------------ parsing

_TOP_KEYS = {"layer", "geometry", "title", "description", "zoom", "default", "classes", "modifiers", "label",
             "cluster"}
_SYMBOL_KEYS = {name for name in Symbol.__dataclass_fields__}


def _load(layer: str, directory: Path) -> LayerStyle:
    if not re.fullmatch(r"[a-z0-9_-]+", layer or ""):
        raise StyleError("bad_layer_name", _("“%(layer)s” is not a layer name.") % {"layer": layer}, field="layer")
    path = directory / f"{layer}.yaml"
    if not path.is_file():
        raise StyleError("missing_style", _("The layer “%(layer)s” has no style file (%(path)s).")
                         % {"layer": layer, "path": path.name}, field="layer")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise StyleError("unreadable", _("%(path)s is not valid YAML: %(error)s") % {"path": path.name, "error": exc},
                         field="layer") from exc
    if not isinstance(data, dict):
        raise StyleError("not_a_mapping", _("%(path)s must be a mapping of style keys.") % {"path": path.name})
    where = path.name
    _reject_unknown(data, _TOP_KEYS, where)
    if data.get("layer") != layer:
        raise StyleError("layer_mismatch", _("%(path)s: “layer” must be “%(layer)s”.")
                         % {"path": where, "layer": layer}, field="layer")
    geometry = data.get("geometry")
    if geometry not in GEOMETRIES:
        raise StyleError("bad_geometry", _("%(path)s: “geometry” must be one of %(choices)s.")
                         % {"path": where, "choices": ", ".join(GEOMETRIES)}, field="geometry")
    zoom = data.get("zoom") or {}
    min_zoom, max_zoom = int(zoom.get("min", 0)), int(zoom.get("max", 22))
    if not 0 <= min_zoom <= max_zoom <= 22:
        raise StyleError("bad_zoom", _("%(path)s: the zoom range must satisfy 0 ≤ min ≤ max ≤ 22.") % {"path": where},
                         field="zoom")
    default = _symbol(data.get("default") or {}, f"{where} default")
    classes = tuple(_style_class(item, default, f"{where} classes[{index}]", is_modifier=False)
                    for index, item in enumerate(data.get("classes") or []))
    modifiers = tuple(_style_class(item, default, f"{where} modifiers[{index}]", is_modifier=True)
                      for index, item in enumerate(data.get("modifiers") or []))
    keys = [c.key for c in classes + modifiers]
    if len(keys) != len(set(keys)):
        raise StyleError("duplicate_class", _("%(path)s: class keys must be unique.") % {"path": where},
                         field="classes")
    label = None
    if data.get("label"):
        label_data = data["label"]
        if not isinstance(label_data, dict) or not label_data.get("property"):
            raise StyleError("bad_label", _("%(path)s: “label” needs a “property”.") % {"path": where}, field="label")
        label = Label(property=str(label_data["property"]), min_zoom=int(label_data.get("min_zoom", min_zoom)))
    return LayerStyle(
        layer=layer,
        geometry=geometry,
        title=_texts(data.get("title"), f"{where} title"),
        description=_texts(data["description"], f"{where} description") if data.get("description") else {},
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        default=default,
        classes=classes,
        modifiers=modifiers,
        label=label,
        cluster=bool(data.get("cluster", False)),
        source=path,
    )


def _reject_unknown(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise StyleError("unknown_key", _("%(where)s: unknown key(s) %(keys)s.")
                         % {"where": where, "keys": ", ".join(map(str, unknown))}, field=str(unknown[0]))


def _texts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(not value.get(language) for language in LANGUAGES):
        raise StyleError("missing_text", _("%(where)s needs a text in Vietnamese (vi) and English (en).")
                         % {"where": where}, field="title")
    return {language: str(value[language]) for language in LANGUAGES}


def _symbol(data: dict, where: str, *, base: Symbol | None = None) -> Symbol:
    if not isinstance(data, dict):
        raise StyleError("bad_symbol", _("%(where)s: a symbol must be a mapping.") % {"where": where}, field="symbol")
    _reject_unknown(data, _SYMBOL_KEYS, where)
    _check_symbol_values(data, where)
    values = dict((base or Symbol()).__dict__)
    values.update(data)
    return Symbol(**values)


def _check_symbol_values(data: dict, where: str) -> None:
    for key in ("fill", "stroke"):
        if key in data and not _COLOUR.match(str(data[key])):
            raise StyleError("bad_colour", _("%(where)s: %(key)s must be a colour like #1b7f3b, not %(value)s.")
                             % {"where": where, "key": key, "value": data[key]}, field=key)
    for key in ("fill_opacity", "stroke_opacity"):
        if key in data and not 0 <= float(data[key]) <= 1:
            raise StyleError("bad_opacity", _("%(where)s: %(key)s must be between 0 and 1.")
                             % {"where": where, "key": key}, field=key)
    if "shape" in data and data["shape"] not in SHAPES:
        raise StyleError("bad_shape", _("%(where)s: shape must be one of %(choices)s.")
                         % {"where": where, "choices": ", ".join(SHAPES)}, field="shape")
    if "dash" in data and data["dash"] and not _DASH.match(str(data["dash"])):
        raise StyleError("bad_dash", _("%(where)s: dash must be numbers separated by spaces, e.g. “6 4”.")
                         % {"where": where}, field="dash")


def _style_class(data: Any, default: Symbol, where: str, *, is_modifier: bool) -> StyleClass:
    if not isinstance(data, dict):
        raise StyleError("bad_class", _("%(where)s must be a mapping.") % {"where": where}, field="classes")
    _reject_unknown(data, {"key", "title", "when", "symbol", "geometry"}, where)
    if data.get("geometry") not in (None, "point", "polygon"):
        raise StyleError("bad_geometry", _("%(where)s: a class “geometry” must be point or polygon.")
                         % {"where": where}, field="geometry")
    if not re.fullmatch(r"[a-z0-9_]+", str(data.get("key", ""))) or data["key"] in RESERVED_KEYS:
        raise StyleError("bad_class_key", _("%(where)s: “key” must be lower-case letters, digits and _ "
                                            "(and not “else” or “labels”).")
                         % {"where": where}, field="key")
    when = data.get("when")
    if not isinstance(when, dict) or not when:
        raise StyleError("bad_when", _("%(where)s: “when” must map a property to a value or a list of values.")
                         % {"where": where}, field="when")
    normalised_when = {
        str(name): tuple(_as_text(value) for value in (values if isinstance(values, list) else [values]))
        for name, values in when.items()
    }
    symbol_data = data.get("symbol") or {}
    symbol = _symbol(symbol_data, where, base=default)
    if is_modifier:
        _reject_unknown(symbol_data, _SYMBOL_KEYS, where)
    return StyleClass(key=str(data["key"]), title=_texts(data.get("title"), f"{where} title"), when=normalised_when,
                      symbol=symbol, overrides=dict(symbol_data), geometry=data.get("geometry"))


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _override(symbol: Symbol, overrides: dict[str, Any]) -> Symbol:
    values = dict(symbol.__dict__)
    values.update(overrides)
    return Symbol(**values)


def _json_when(when: dict[str, tuple]) -> dict[str, list[str]]:
    return {name: list(values) for name, values in when.items()}


def _leaflet_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    names = {"stroke": "color", "stroke_width": "weight", "stroke_opacity": "opacity", "fill": "fillColor",
             "fill_opacity": "fillOpacity", "dash": "dashArray", "shape": "shape", "size": "size"}
    return {names[key]: value for key, value in overrides.items()}


# ------------------------------------------------------------------------------------------ SLD helpers

def _sld(tag: str) -> str:
    return f"{{{SLD_NAMESPACE}}}{tag}"


def _ogc(tag: str) -> str:
    return f"{{{OGC_NAMESPACE}}}{tag}"


def _css(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, _sld("CssParameter"), {"name": name}).text = value


def _stroke(stroke: ET.Element, symbol: Symbol) -> None:
    _css(stroke, "stroke", symbol.stroke)
    _css(stroke, "stroke-width", f"{symbol.stroke_width:g}")
    _css(stroke, "stroke-opacity", f"{symbol.stroke_opacity:g}")
    if symbol.dash:
        _css(stroke, "stroke-dasharray", symbol.dash)


def _ogc_filter(when: dict[str, tuple]) -> ET.Element:
    """Return an ogc:Filter: all properties must match, each one of its values."""
    element = ET.Element(_ogc("Filter"))
    conditions = []
    for name, values in when.items():
        comparisons = []
        for value in values:
            comparison = ET.Element(_ogc("PropertyIsEqualTo"))
            ET.SubElement(comparison, _ogc("PropertyName")).text = name
            ET.SubElement(comparison, _ogc("Literal")).text = value
            comparisons.append(comparison)
        if len(comparisons) == 1:
            conditions.append(comparisons[0])
        else:
            either = ET.Element(_ogc("Or"))
            either.extend(comparisons)
            conditions.append(either)
    if len(conditions) == 1:
        element.append(conditions[0])
    else:
        both = ET.SubElement(element, _ogc("And"))
        both.extend(conditions)
    return element


__all__ = ["LayerStyle", "StyleClass", "StyleError", "Symbol", "load_all_styles", "load_style", "localized",
           "marker_path", "style_names", "zoom_to_scale"]
