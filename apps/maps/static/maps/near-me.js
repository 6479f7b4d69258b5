/* "OCOP near me": from the browser's location, a tapped point or a commune, list the nearest places. */
(function () {
  "use strict";
  var M = window.OcopMap;
  var config = M.readConfig("map-config");
  var texts = M.readConfig("near-texts");
  var form = document.getElementById("near-form");
  var status = document.getElementById("near-status");
  var list = document.getElementById("near-results");
  var element = document.getElementById("near-map");
  var map = L.map(element).setView(config.center, config.zoom);
  M.addBaseLayer(map, config);
  var results = L.featureGroup().addTo(map);
  var origin = null;  // {lon, lat} or {commune}

  function styleKey(kind) {
    return kind === "tourism_site" ? "tourism-sites" : kind === "producer" ? "producers" : "sales-points";
  }

  function parameters() {
    var params = new URLSearchParams();
    if (origin.commune) { params.set("commune", origin.commune); } else {
      params.set("lon", origin.lon.toFixed(6)); params.set("lat", origin.lat.toFixed(6));
    }
    var kinds = Array.prototype.filter.call(form.querySelectorAll("input[name=kind]"), function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    params.set("kind", kinds.join(","));
    ["industry", "min_stars", "radius"].forEach(function (name) {
      var value = form.elements[name].value;
      if (value) params.set(name, value);
    });
    if (form.elements.open_now.checked) params.set("open_now", "1");
    return params;
  }

  function openText(p) {
    if (!p.has_hours) return texts.hoursUnknown;
    return p.is_open_now ? texts.openNow : texts.closedNow;
  }

  function render(data) {
    results.clearLayers();
    list.innerHTML = "";
    var here = L.circleMarker([data.origin[1], data.origin[0]], { radius: 7, color: "#1b7f3b", fillOpacity: 0.9 })
      .bindTooltip(texts.youAreHere).addTo(results);
    data.features.forEach(function (feature, index) {
      var p = feature.properties;
      var style = config.styles[styleKey(p.kind)];
      var latlng = [feature.geometry.coordinates[1], feature.geometry.coordinates[0]];
      var icon = M.markerIcon(M.styleFor(style, { kind: p.subkind, stars: p.stars }));
      L.marker(latlng, { icon: icon }).bindPopup("<strong>" + M.escapeHtml(p.name) + "</strong><br>" +
        M.escapeHtml(p.distance_text)).addTo(results);
      var item = document.createElement("li");
      item.className = "near-item";
      item.dataset.kind = p.kind;
      item.dataset.distance = p.distance_m;
      var sells = p.sells.length ? '<p class="sells">' + M.escapeHtml(texts.sells) + " " +
        p.sells.map(M.escapeHtml).join(", ") + "</p>" : "";
      item.innerHTML =
        '<h3><a href="' + p.url + '">' + M.escapeHtml(p.name) + "</a></h3>" +
        '<p class="meta"><span class="distance">' + M.escapeHtml(p.distance_text) + "</span> · " +
        M.escapeHtml(p.kind_label) + " · " + M.escapeHtml(p.subkind_label) +
        (p.stars ? ' · <span class="stars" aria-label="' + p.stars + '">' + "★".repeat(p.stars) + "</span>" : "") + "</p>" +
        '<p class="open ' + (p.is_open_now ? "is-open" : "is-closed") + '">' + M.escapeHtml(openText(p)) + "</p>" + sells +
        (p.address ? '<p class="address">' + M.escapeHtml(p.address) + "</p>" : "") +
        '<p class="actions"><a href="' + M.escapeHtml(p.directions_url) + '" target="_blank" rel="noopener noreferrer">' +
        M.escapeHtml(texts.directions) + '</a> · <a href="' + M.escapeHtml(p.geo_uri) + '">' + M.escapeHtml(texts.openInMaps) +
        "</a>" + (p.phone ? ' · <a href="tel:' + M.escapeHtml(p.phone) + '">' + M.escapeHtml(p.phone) + "</a>" : "") + "</p>";
      list.appendChild(item);
    });
    status.textContent = data.count ? texts.found.replace("%(count)s", data.count) : texts.none;
    if (results.getLayers().length > 1) map.fitBounds(results.getBounds(), { maxZoom: 15, padding: [20, 20] });
    else map.setView(here.getLatLng(), 13);
    element.dataset.ready = "true";
  }

  function search() {
    if (!origin) return;
    status.textContent = texts.searching;
    fetch(config.apiUrl + "?" + parameters().toString())
      .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
      .then(function (answer) {
        if (!answer.ok) { status.textContent = answer.data.message; return; }
        render(answer.data);
      })
      .catch(function () { status.textContent = texts.failed; });
  }

  document.getElementById("use-location").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = texts.noGeolocation; return; }
    status.textContent = texts.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      origin = { lon: position.coords.longitude, lat: position.coords.latitude };
      form.elements.commune.value = "";
      search();
    }, function () { status.textContent = texts.noGeolocation; }, { enableHighAccuracy: true, timeout: 15000 });
  });
  form.elements.commune.addEventListener("change", function () {
    if (form.elements.commune.value) { origin = { commune: form.elements.commune.value }; search(); }
  });
  map.on("click", function (event) {
    origin = { lon: event.latlng.lng, lat: event.latlng.lat };
    form.elements.commune.value = "";
    search();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name !== "commune") search();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
})();
