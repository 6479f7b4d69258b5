/* The public map page: every public layer from the GeoJSON API, styled from map_styles/, with a layer
 * switcher, legends, clustering, popups linking to place pages, search and a permalink (#z/lat/lon/layers). */
(function () {
  "use strict";
  var M = window.OcopMap;
  var config = M.readConfig("map-config");
  var texts = M.readConfig("map-texts");
  var element = document.getElementById("map");
  var state = { layers: {}, loaded: {}, timer: null };

  function parseHash() {
    var parts = window.location.hash.replace(/^#/, "").split("/");
    if (parts.length < 3) return null;
    var zoom = parseInt(parts[0], 10), lat = parseFloat(parts[1]), lon = parseFloat(parts[2]);
    if (!isFinite(zoom) || !isFinite(lat) || !isFinite(lon)) return null;
    var visible = parts.length > 3 ? decodeURIComponent(parts.slice(3).join("/")).split(",").filter(Boolean) : null;
    return { zoom: zoom, lat: lat, lon: lon, layers: visible };
  }

  var start = parseHash();
  // maxZoom on the map itself: clustering needs it, and without a base layer nothing else sets it.
  var map = L.map(element, { zoomControl: true, maxZoom: 19, minZoom: 3 });
  map.setView(start ? [start.lat, start.lon] : config.center, start ? start.zoom : config.zoom);
  M.addBaseLayer(map, config);
  L.control.scale({ imperial: false }).addTo(map);

  function detailUrl(template, feature) {
    if (!template) return null;
    var missing = false;
    var url = template.replace(/\{(\w+)\}/g, function (_match, name) {
      var value = name === "id" ? feature.id : (feature.properties || {})[name];
      if (value === null || value === undefined || value === "") missing = true;
      return encodeURIComponent(M.asText(value));
    });
    return missing ? null : url;
  }

  function popupFor(layerConfig) {
    return function (feature) {
      var p = feature.properties || {};
      var styleClass = M.classOf(layerConfig.style, p);
      var title = p.name || p.code || layerConfig.title;
      var rows = [];
      if (p.code && p.name) rows.push(M.escapeHtml(p.code));
      rows.push(M.escapeHtml(styleClass ? styleClass.title : layerConfig.title));
      if (p.crop_name) rows.push(M.escapeHtml(p.crop_name));
      if (p.area_ha) rows.push(M.escapeHtml(Number(p.area_ha).toLocaleString() + " ha"));
      if (p.stars) rows.push("★".repeat(p.stars));
      if (p.address) rows.push(M.escapeHtml(p.address));
      if (p.operator || p.producer) rows.push(M.escapeHtml(p.operator || p.producer));
      var html = "<strong>" + M.escapeHtml(title) + "</strong><br>" + rows.join("<br>");
      var url = detailUrl(layerConfig.detailUrl, feature);
      if (url) html += '<br><a class="popup-link" href="' + url + '">' + M.escapeHtml(texts.details) + "</a>";
      return html;
    };
  }

  function makeGroup(layerConfig) {
    if (layerConfig.style.cluster && L.markerClusterGroup) {
      return L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45, disableClusteringAtZoom: 15 });
    }
    return L.layerGroup();
  }

  config.layers.forEach(function (layerConfig) {
    var group = makeGroup(layerConfig);
    state.layers[layerConfig.id] = { config: layerConfig, group: group, request: null };
    var visible = start && start.layers ? start.layers.indexOf(layerConfig.id) !== -1 : layerConfig.visible;
    var checkbox = document.querySelector('input[data-layer="' + layerConfig.id + '"]');
    if (checkbox) {
      checkbox.checked = visible;
      checkbox.addEventListener("change", function () {
        if (checkbox.checked) { group.addTo(map); load(layerConfig.id); } else { map.removeLayer(group); }
        updateHash();
      });
    }
    if (visible) group.addTo(map);
  });

  function visibleIds() {
    return Object.keys(state.layers).filter(function (id) { return map.hasLayer(state.layers[id].group); });
  }

  function report() {
    element.dataset.loaded = JSON.stringify(state.loaded);
    element.dataset.ready = "true";
  }

  function load(id) {
    var entry = state.layers[id];
    var style = entry.config.style;
    var zoom = map.getZoom();
    if (!entry.config.url) { state.loaded[id] = 0; report(); return; }
    if (zoom < style.minZoom || zoom > style.maxZoom) {
      entry.group.clearLayers(); state.loaded[id] = 0; report(); return;
    }
    if (entry.request) entry.request.abort();
    var controller = new AbortController();
    entry.request = controller;
    var b = map.getBounds();
    var bbox = [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()),
                Math.min(90, b.getNorth())].map(function (n) { return n.toFixed(6); }).join(",");
    var url = entry.config.url + "?bbox=" + bbox + "&zoom=" + zoom + "&limit=1000";
    fetch(url, { signal: controller.signal, headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + url);
        return response.json();
      })
      .then(function (data) {
        entry.group.clearLayers();
        var labelsOn = style.label && zoom >= style.label.minZoom;
        var drawn = M.geoJsonLayer(style, data, popupFor(entry.config), labelsOn);
        if (entry.group.addLayers) { entry.group.addLayers(drawn.getLayers()); } else { drawn.addTo(entry.group); }
        state.loaded[id] = (data.features || []).length;
        entry.request = null;
        report();
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        state.loaded[id] = -1;
        report();
        if (window.console) console.warn("layer " + id + ": " + error.message);
      });
  }

  function loadVisible() {
    visibleIds().forEach(load);
  }

  function updateHash() {
    var c = map.getCenter();
    var hash = "#" + map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5) + "/" + visibleIds().join(",");
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", hash);
    } else {
      window.location.hash = hash;
    }
    var permalink = document.getElementById("permalink");
    if (permalink) permalink.value = window.location.href;
  }

  map.on("moveend", function () {
    updateHash();
    clearTimeout(state.timer);
    state.timer = setTimeout(loadVisible, 250);
  });
  window.addEventListener("hashchange", function () {
    var wanted = parseHash();
    if (wanted) map.setView([wanted.lat, wanted.lon], wanted.zoom);
  });

  // Search by name or code: a code jumps to its zones or facility.
  var form = document.getElementById("map-search");
  var results = document.getElementById("search-results");
  function jump(hit) {
    var entry = state.layers[hit.layer];
    if (entry && !map.hasLayer(entry.group)) {
      entry.group.addTo(map);
      var checkbox = document.querySelector('input[data-layer="' + hit.layer + '"]');
      if (checkbox) checkbox.checked = true;
    }
    if (hit.bbox) {
      map.fitBounds([[hit.bbox[1], hit.bbox[0]], [hit.bbox[3], hit.bbox[2]]], { maxZoom: 16, padding: [20, 20] });
    } else {
      map.setView([hit.lat, hit.lon], 15);
    }
  }
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = form.querySelector("input[name=q]").value.trim();
      if (!query) return;
      fetch(config.searchUrl + "?q=" + encodeURIComponent(query))
        .then(function (response) { return response.json(); })
        .then(function (data) {
          results.innerHTML = "";
          if (!data.results.length) {
            results.innerHTML = "<li>" + M.escapeHtml(texts.noResults) + "</li>";
            return;
          }
          data.results.forEach(function (hit) {
            var item = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.className = "search-hit";
            button.innerHTML = "<strong>" + M.escapeHtml(hit.label) + "</strong> <small>" + M.escapeHtml(hit.detail) + "</small>";
            button.addEventListener("click", function () { jump(hit); });
            item.appendChild(button);
            if (hit.url) {
              var link = document.createElement("a");
              link.href = hit.url;
              link.textContent = texts.details;
              item.appendChild(document.createTextNode(" "));
              item.appendChild(link);
            }
            results.appendChild(item);
          });
          if (data.results[0].is_code_match) jump(data.results[0]);
        });
    });
  }

  var copy = document.getElementById("copy-permalink");
  if (copy) {
    copy.addEventListener("click", function () {
      var field = document.getElementById("permalink");
      field.select();
      if (navigator.clipboard) navigator.clipboard.writeText(field.value);
    });
  }

  var toggle = document.getElementById("panel-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      document.body.classList.toggle("panel-hidden");
      setTimeout(function () { map.invalidateSize(); }, 200);
    });
  }

  window.ocopMap = { map: map, state: state };
  updateHash();
  loadVisible();
})();
