// Import page: poll the job's progress, then show the file's features coloured by their dry-run status.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  var mapElement = document.getElementById("import-map");
  var colours = { valid: "#2e7d32", repaired: "#f9a825", rejected: "#c62828", "": "#1565c0" };

  function drawPreview() {
    if (!mapElement || typeof L === "undefined") { return; }
    var map = L.map(mapElement).setView([12.67, 108.05], 9);
    fetch(mapElement.dataset.url, { credentials: "same-origin" }).then(function (response) {
      return response.json();
    }).then(function (data) {
      if (!data.features) { return; }
      var layer = L.geoJSON(data, {
        style: function (feature) { return { color: colours[feature.properties.status] || colours[""], weight: 2 }; },
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, { radius: 5, color: colours[feature.properties.status] || colours[""] });
        },
        onEachFeature: function (feature, item) {
          // The name comes from the uploaded file: shown as text, never parsed as HTML.
          var label = document.createElement("span");
          label.textContent = "#" + feature.properties.index + " " + (feature.properties.name || "") + " — " +
                              (feature.properties.status || "");
          item.bindPopup(label);
        }
      }).addTo(map);
      if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
      mapElement.dataset.ready = "true";
    });
  }

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" }).then(function (response) {
      return response.json();
    }).then(function (job) {
      box.querySelector("progress").value = job.percent;
      box.querySelector(".count").textContent = job.done + " / " + job.total;
      if (job.status === "running") { window.setTimeout(poll, 700); } else { window.location.reload(); }
    });
  }

  if (box && box.dataset.status === "running") { poll(); }
  drawPreview();
})();
