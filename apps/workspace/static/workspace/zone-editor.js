/* The zone editor: draw, edit, cut holes, delete and undo with Leaflet-Geoman; snap to neighbouring zones;
 * show the live area; ask the server to check (dry run) and save, showing its problems on the map.
 *
 * The zone is every Geoman polygon on the map together (a MultiPolygon). Neighbouring zones come from the
 * public layer API with a bbox; they are not editable (pmIgnore) but can be snapped to (snapIgnore: false). */
(function () {
  "use strict";
  var M = window.OcopMap, G = window.OcopGeodesy;
  var config = M.readConfig("editor-config");
  var text = config.text;
  var element = document.getElementById("editor-map");
  var form = document.getElementById("zone-form");
  var problemsBox = document.getElementById("problems");
  var areaOutput = document.getElementById("area-ha");
  var NEIGHBOUR_STYLE = { color: "#555", weight: 1, fillColor: "#999", fillOpacity: 0.25, dashArray: "3 3",
                          pmIgnore: true, snapIgnore: false };
  var FINDING_STYLES = { self_intersection: { color: "#e67e00", weight: 3, dashArray: "6 4", fillOpacity: 0.2 },
                         zone_overlap: { color: "#c0392b", weight: 2, fillColor: "#e74c3c", fillOpacity: 0.5 } };

  var map = L.map(element, { center: config.center, zoom: config.zoom, doubleClickZoom: false });
  M.addBaseLayer(map, config);
  var neighbours = L.featureGroup().addTo(map);
  var findings = L.featureGroup().addTo(map);
  var drawn = L.featureGroup().addTo(map);

  map.pm.setLang("ocop", text.geoman, "en");
  map.pm.setGlobalOptions({
    layerGroup: drawn, snappable: true, snapDistance: 15, allowSelfIntersection: true,
    pathOptions: { color: "#1f6f3f", weight: 2, fillOpacity: 0.25 },
  });
  map.pm.addControls({
    position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawCircle: false,
    drawText: false, rotateMode: false, drawPolygon: true, drawRectangle: true, editMode: true, dragMode: true,
    cutPolygon: true, removalMode: true,
  });

  // ------------------------------------------------------------------------------------- the zone's shape
  function zoneLayers() {
    return map.pm.getGeomanLayers().filter(function (layer) { return layer instanceof L.Polygon; });
  }

  function currentGeometry() {
    var polygons = [];
    zoneLayers().forEach(function (layer) {
      var geometry = layer.toGeoJSON(15).geometry;
      if (geometry.type === "Polygon") polygons.push(geometry.coordinates);
      else if (geometry.type === "MultiPolygon") polygons.push.apply(polygons, geometry.coordinates);
    });
    return polygons.length ? { type: "MultiPolygon", coordinates: polygons } : null;
  }

  function watch(layer) {
    layer.on("pm:edit pm:markerdragend pm:vertexremoved pm:dragend", function () { remember(); showArea(); });
    layer.on("pm:markerdrag pm:drag", showArea);
  }

  function load(geometry) {
    zoneLayers().forEach(function (layer) { drawn.removeLayer(layer); layer.remove(); });
    if (!geometry) return;
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    polygons.forEach(function (rings) {
      var layer = L.polygon(rings.map(function (ring) {
        return ring.slice(0, -1).map(function (p) { return [p[1], p[0]]; });
      }), map.pm.getGlobalOptions().pathOptions);
      drawn.addLayer(layer);
      watch(layer);
    });
  }

  // ------------------------------------------------------------------------------------------ live area
  var sketch = null, pointer = null;  // the polygon being drawn, and the mouse position while drawing

  function showArea() {
    var m2 = G.geometryArea(currentGeometry());
    if (sketch) {
      var ring = sketch.getLatLngs().map(function (p) { return [p.lng, p.lat]; });
      if (pointer) ring.push([pointer.lng, pointer.lat]);
      m2 += G.ringArea(ring);
    }
    areaOutput.dataset.m2 = m2.toFixed(1);
    areaOutput.value = (m2 / 10000).toLocaleString(document.documentElement.lang || "vi",
                                                   { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    areaOutput.textContent = areaOutput.value;
  }

  map.on("pm:drawstart", function (event) {
    if (event.shape !== "Polygon" && event.shape !== "Rectangle") return;
    sketch = event.workingLayer;
    sketch.on("pm:vertexadded", showArea);
  });
  map.on("mousemove", function (event) { if (sketch) { pointer = event.latlng; showArea(); } });
  map.on("pm:drawend", function () { sketch = null; pointer = null; showArea(); });
  map.on("pm:create", function (event) { watch(event.layer); remember(); showArea(); });
  map.on("pm:cut", function (event) { watch(event.layer); remember(); showArea(); });
  map.on("pm:remove", function () { remember(); showArea(); });

  // ------------------------------------------------------------------------------------------------ undo
  var history = [];

  function remember() {
    var state = JSON.stringify(currentGeometry());
    if (history[history.length - 1] !== state) history.push(state);
  }

  function undo() {
    if (sketch && map.pm.Draw.Polygon._layer.getLatLngs().length) {  // while drawing: the last vertex
      map.pm.Draw.Polygon._removeLastVertex();
      showArea();
      return;
    }
    if (history.length < 2) { setStatus(text.nothingToUndo); return; }
    history.pop();
    load(JSON.parse(history[history.length - 1]));
    showArea();
  }

  map.pm.Toolbar.createCustomControl({
    name: "undo", block: "custom", title: text.undo, className: "ocop-undo-icon", toggle: false, onClick: undo,
  });
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "z" && !/INPUT|TEXTAREA|SELECT/.test(event.target.tagName)) {
      event.preventDefault();
      undo();
    }
  });

  // ---------------------------------------------------------------------------------- neighbouring zones
  var neighbourRequest = 0;

  function loadNeighbours() {
    if (map.getZoom() < 12) { neighbours.clearLayers(); return; }
    var b = map.getBounds(), request = ++neighbourRequest;
    var url = config.neighboursUrl + "?limit=1000&bbox=" +
      [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
    fetch(url, { headers: { Accept: "application/geo+json, application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { features: [] }; })
      .then(function (data) {
        if (request !== neighbourRequest) return;
        neighbours.clearLayers();
        (data.features || []).forEach(function (feature) {
          if (config.zoneId && String(feature.id) === String(config.zoneId)) return;
          L.geoJSON(feature, {
            style: function () { return NEIGHBOUR_STYLE; },
            onEachFeature: function (f, layer) {
              layer.options.pmIgnore = true;
              layer.options.snapIgnore = false;
              var p = f.properties || {};
              layer.bindTooltip(M.escapeHtml(text.neighbour + ": " + (p.name || "") +
                                             (p.codes && p.codes.length ? " · " + [].concat(p.codes).join(", ") : "")));
            },
          }).eachLayer(function (layer) { neighbours.addLayer(layer); });
        });
        element.dataset.neighbours = String(neighbours.getLayers().length);
      })
      .catch(function () { /* neighbours only help snapping: the editor works without them */ });
  }
  map.on("moveend", loadNeighbours);

  // ---------------------------------------------------------------------------------- check and save
  function fieldValue(name) {
    var field = form.elements[name];
    if (!field) return null;
    if (field.multiple) return Array.from(field.selectedOptions).map(function (o) { return o.value; });
    return field.value;
  }

  function payload() {
    var data = { zone: config.zoneId, geometry: currentGeometry() };
    ["name", "kind", "crop", "producers", "code", "commune", "notes", "comment"].forEach(function (name) {
      data[name] = fieldValue(name);
    });
    config.acceptFlags.forEach(function (flag) {
      var box = problemsBox.querySelector("input[data-accept='" + flag + "']");
      data[flag] = Boolean(box && box.checked);
    });
    return data;
  }

  function setStatus(message, kind) {
    problemsBox.innerHTML = "";
    var p = document.createElement("p");
    p.className = "status " + (kind || "");
    p.textContent = message;
    problemsBox.appendChild(p);
  }

  function showProblems(result) {
    var accepted = {};
    problemsBox.querySelectorAll("input[data-accept]").forEach(function (box) { accepted[box.dataset.accept] = box.checked; });
    problemsBox.innerHTML = "";
    findings.clearLayers();
    var problems = result.problems || [];
    if (!problems.length) { setStatus(text.noProblem, "ok"); return; }
    var list = document.createElement("ul");
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.className = "problem " + problem.severity;
      item.dataset.code = problem.code;
      var message = document.createElement("span");
      message.textContent = problem.message;
      item.appendChild(message);
      if (problem.accept_with) {
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.dataset.accept = problem.accept_with;
        box.checked = Boolean(accepted[problem.accept_with]);
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + text.accept));
        item.appendChild(label);
      }
      if (problem.code === "self_intersection" && problem.geometry) {
        var use = document.createElement("button");
        use.type = "button";
        use.className = "use-repaired";
        use.textContent = text.useRepaired;
        use.addEventListener("click", function () { load(problem.geometry); remember(); showArea(); findings.clearLayers(); });
        item.appendChild(use);
      }
      if (problem.geometry) {
        L.geoJSON(problem.geometry, {
          style: function () { return Object.assign({ pmIgnore: true, snapIgnore: true, interactive: false },
                                                    FINDING_STYLES[problem.code] || { color: "#c0392b" }); },
        }).eachLayer(function (layer) { layer.options.pmIgnore = true; findings.addLayer(layer); });
      }
      list.appendChild(item);
    });
    problemsBox.appendChild(list);
  }

  function post(url) {
    var data = payload();
    if (!data.geometry) { setStatus(text.drawFirst, "error"); return Promise.reject(new Error("no geometry")); }
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(data),
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": form.elements.csrfmiddlewaretoken.value },
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    });
  }

  document.getElementById("check-button").addEventListener("click", function () {
    setStatus(text.checking);
    post(config.checkUrl).then(function (answer) { showProblems(answer.body); element.dataset.checked = "true"; })
      .catch(function (error) { if (error.message !== "no geometry") setStatus(text.network, "error"); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    setStatus(text.saving);
    post(config.saveUrl).then(function (answer) {
      if (answer.body.saved) {
        element.dataset.saved = String(answer.body.zone);
        window.location.assign(answer.body.url);
      } else {
        showProblems(answer.body);
      }
    }).catch(function (error) { if (error.message !== "no geometry") setStatus(text.network, "error"); });
  });

  // ----------------------------------------------------------------------------------------------- start
  load(config.geometry);
  if (zoneLayers().length) map.fitBounds(drawn.getBounds(), { maxZoom: 17, padding: [30, 30] });
  remember();
  showArea();
  loadNeighbours();
  window.ocopZoneEditor = { map: map, currentGeometry: currentGeometry, undo: undo, load: load };
  element.dataset.ready = "true";
})();
