/* Shared drawing helpers of the OCOP map pages: styles from map_styles/, SVG markers, base layer.
 * The marker shapes mirror apps/maps/styles.py:marker_path so the map and its legend look alike. */
(function (global) {
  "use strict";

  function asText(value) {
    if (value === null || value === undefined) return "";
    if (value === true) return "true";
    if (value === false) return "false";
    return String(value);
  }

  function matches(when, properties) {
    return Object.keys(when).every(function (name) {
      return when[name].indexOf(asText(properties[name])) !== -1;
    });
  }

  /* The style class a feature belongs to (or null), and the merged Leaflet options it is drawn with. */
  function classOf(style, properties) {
    for (var i = 0; i < style.classes.length; i++) {
      if (matches(style.classes[i].when, properties)) return style.classes[i];
    }
    return null;
  }

  function styleFor(style, properties) {
    var options = Object.assign({}, style["default"]);
    var styleClass = classOf(style, properties);
    if (styleClass) Object.assign(options, styleClass.style);
    style.modifiers.forEach(function (modifier) {
      if (matches(modifier.when, properties)) Object.assign(options, modifier.style);
    });
    return options;
  }

  function markerPath(shape, size) {
    var c = size / 2, r = size / 2 - 1.5, w = r / 3, f = function (n) { return n.toFixed(2); };
    if (shape === "square") return "M" + f(c - r) + " " + f(c - r) + "H" + f(c + r) + "V" + f(c + r) + "H" + f(c - r) + "Z";
    if (shape === "triangle") return "M" + f(c) + " " + f(c - r) + "L" + f(c + r) + " " + f(c + r) + "H" + f(c - r) + "Z";
    if (shape === "star") {
      var points = [];
      for (var i = 0; i < 10; i++) {
        var radius = i % 2 === 0 ? r : r * 0.45, angle = Math.PI / 2 + i * Math.PI / 5;
        points.push(f(c + radius * Math.cos(angle)) + " " + f(c - radius * Math.sin(angle)));
      }
      return "M" + points.join("L") + "Z";
    }
    if (shape === "cross") {
      return "M" + f(c - w) + " " + f(c - r) + "H" + f(c + w) + "V" + f(c - w) + "H" + f(c + r) + "V" + f(c + w) +
        "H" + f(c + w) + "V" + f(c + r) + "H" + f(c - w) + "V" + f(c + w) + "H" + f(c - r) + "V" + f(c - w) + "H" + f(c - w) + "Z";
    }
    if (shape === "x") {
      return "M" + f(c - r) + " " + f(c - r + w) + "L" + f(c - r + w) + " " + f(c - r) + "L" + f(c) + " " + f(c - w) +
        "L" + f(c + r - w) + " " + f(c - r) + "L" + f(c + r) + " " + f(c - r + w) + "L" + f(c + w) + " " + f(c) +
        "L" + f(c + r) + " " + f(c + r - w) + "L" + f(c + r - w) + " " + f(c + r) + "L" + f(c) + " " + f(c + w) +
        "L" + f(c - r + w) + " " + f(c + r) + "L" + f(c - r) + " " + f(c + r - w) + "L" + f(c - w) + " " + f(c) + "Z";
    }
    return "M" + f(c - r) + " " + f(c) + "A" + f(r) + " " + f(r) + " 0 1 0 " + f(c + r) + " " + f(c) +
      "A" + f(r) + " " + f(r) + " 0 1 0 " + f(c - r) + " " + f(c) + "Z";
  }

  function markerIcon(options) {
    var size = options.size || 14;
    var svg = '<svg xmlns="http://www.w3.org/2000/svg" width="' + size + '" height="' + size + '" viewBox="0 0 ' +
      size + " " + size + '"><path d="' + markerPath(options.shape || "circle", size) + '" fill="' + options.fillColor +
      '" fill-opacity="' + Math.max(options.fillOpacity, 0.85) + '" stroke="' + options.color + '" stroke-width="' +
      options.weight + '"' + (options.dashArray ? ' stroke-dasharray="' + options.dashArray + '"' : "") + "/></svg>";
    return L.divIcon({ html: svg, className: "ocop-marker", iconSize: [size, size], iconAnchor: [size / 2, size / 2],
                       popupAnchor: [0, -size / 2] });
  }

  function escapeHtml(text) {
    return asText(text).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }

  /* A GeoJSON layer drawn with a map style. ``popup(feature)`` returns HTML or null. */
  function geoJsonLayer(style, data, popup, labelsOn) {
    return L.geoJSON(data, {
      style: function (feature) { return styleFor(style, feature.properties || {}); },
      pointToLayer: function (feature, latlng) {
        return L.marker(latlng, { icon: markerIcon(styleFor(style, feature.properties || {})) });
      },
      onEachFeature: function (feature, layer) {
        var html = popup ? popup(feature) : null;
        if (html) layer.bindPopup(html);
        if (style.label && feature.properties && feature.properties[style.label.property] && labelsOn) {
          layer.bindTooltip(escapeHtml(feature.properties[style.label.property]),
                            { permanent: true, direction: "right", className: "ocop-label", offset: [6, 0] });
        }
      },
    });
  }

  /* The configured base layer, or none: every map still works (vector layers draw) without tiles. */
  function addBaseLayer(map, config) {
    if (!config.tileUrl) return null;
    return L.tileLayer(config.tileUrl, {
      attribution: config.attribution, maxZoom: 19, referrerPolicy: "strict-origin-when-cross-origin",
      crossOrigin: false,
    }).addTo(map);
  }

  function readConfig(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : {};
  }

  global.OcopMap = {
    asText: asText, classOf: classOf, styleFor: styleFor, markerPath: markerPath, markerIcon: markerIcon,
    escapeHtml: escapeHtml, geoJsonLayer: geoJsonLayer, addBaseLayer: addBaseLayer, readConfig: readConfig,
  };
})(window);
