/* Dashboard map: a choropleth where boundaries exist, graduated circles at centroids where they do not. */
(function () {
  "use strict";
  var M = window.OcopMap;
  var config = M.readConfig("map-config");
  var form = document.getElementById("choropleth-form");
  var element = document.getElementById("choropleth");
  var legend = document.getElementById("choropleth-legend");
  var map = L.map(element).setView(config.center, config.zoom);
  M.addBaseLayer(map, config);
  var drawn = L.featureGroup().addTo(map);
  var RAMP = ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"];

  /* Quartile limits of the positive values, without repeats; zero has a class of its own. */
  function breaks(values) {
    var sorted = values.filter(function (v) { return v > 0; }).sort(function (a, b) { return a - b; });
    var limits = [];
    [0.25, 0.5, 0.75].forEach(function (q) {
      var limit = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
      if (limit !== undefined && limits.indexOf(limit) === -1 && limit < sorted[sorted.length - 1]) limits.push(limit);
    });
    return { limits: limits, low: sorted[0], high: sorted[sorted.length - 1] };
  }
  function classIndex(value, limits) {
    var index = 0;
    while (index < limits.length && value > limits[index]) index++;
    return index + 1;
  }
  function colour(value, limits) {
    return value ? RAMP[Math.min(classIndex(value, limits), RAMP.length - 1)] : "#f7f7f7";
  }
  function legendHtml(scale) {
    var swatch = function (shade, text) {
      return '<span class="swatch" style="background:' + shade + '"></span> ' + M.escapeHtml(text);
    };
    var parts = [swatch("#f7f7f7", "0")];
    if (scale.high === undefined) return parts.join(" ");
    var lows = [scale.low].concat(scale.limits), highs = scale.limits.concat([scale.high]);
    lows.forEach(function (low, index) {
      var text = low === highs[index] ? String(low) : (index === 0 ? low : "> " + low) + "–" + highs[index];
      parts.push(swatch(RAMP[index + 1], text));
    });
    return parts.join(" ");
  }

  function draw() {
    var metric = form.elements.metric.value;
    var units = config.units[form.querySelector("input[name=units]:checked").value] || [];
    var values = units.map(function (unit) { return unit.values[metric] || 0; });
    var scale = breaks(values), limits = scale.limits;
    var maximum = Math.max.apply(null, values.concat([0]));
    drawn.clearLayers();
    units.forEach(function (unit) {
      if (!unit.geometry) return;
      var value = unit.values[metric];
      var label = "<strong>" + M.escapeHtml(unit.name) + "</strong><br>" + (value === null || value === undefined ? "—" : value);
      if (unit.has_boundary) {
        L.geoJSON(unit.geometry, { style: { color: "#555", weight: 1, fillColor: colour(value, limits), fillOpacity: 0.75 } })
          .bindTooltip(label).addTo(drawn);
      } else {
        var c = unit.geometry.coordinates;
        var radius = value ? 4 + 22 * Math.sqrt(value / (maximum || 1)) : 3;
        L.circleMarker([c[1], c[0]], { radius: radius, color: "#1b5e20", weight: 1, fillColor: colour(value, limits),
                                        fillOpacity: value ? 0.8 : 0.3 }).bindTooltip(label).addTo(drawn);
      }
    });
    legend.innerHTML = legendHtml(scale);
    if (drawn.getLayers().length) map.fitBounds(drawn.getBounds(), { padding: [10, 10] });
    element.dataset.ready = "true";
  }
  form.addEventListener("change", draw);
  draw();
})();
