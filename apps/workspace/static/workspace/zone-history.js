/* A zone's history: show any earlier version on the map over the current outline. */
(function () {
  "use strict";
  var M = window.OcopMap;
  var config = M.readConfig("history-config");
  var element = document.getElementById("history-map");
  var map = L.map(element);
  M.addBaseLayer(map, config);
  var current = L.geoJSON(config.current, { style: function () {
    return { color: "#1f6f3f", weight: 2, fillOpacity: 0.15 }; } }).addTo(map);
  var shown = L.featureGroup().addTo(map);
  map.fitBounds(current.getBounds(), { maxZoom: 17, padding: [20, 20] });

  document.querySelectorAll(".show-version").forEach(function (button) {
    button.addEventListener("click", function () {
      fetch(button.dataset.url, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (feature) {
          shown.clearLayers();
          L.geoJSON(feature, { style: function () {
            return { color: "#8e44ad", weight: 3, dashArray: "6 4", fillOpacity: 0.2 }; } }).addTo(shown);
          map.fitBounds(shown.getBounds().extend(current.getBounds()), { maxZoom: 17, padding: [20, 20] });
          element.dataset.shown = String(feature.properties.number);
          document.querySelectorAll(".version").forEach(function (item) {
            item.classList.toggle("shown", item.dataset.number === String(feature.properties.number));
          });
        });
    });
  });
  element.dataset.ready = "true";
})();
