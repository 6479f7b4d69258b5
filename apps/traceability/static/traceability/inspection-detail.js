/* One inspection's page: its point (and GPS accuracy) on a small map. Works without tiles. */
(function () {
  "use strict";
  var M = window.OcopMap;
  var config = M.readConfig("detail-config");
  var element = document.getElementById("detail-map");
  if (!element || !config.point) return;
  var map = L.map(element, { scrollWheelZoom: false }).setView(config.point, 16);
  M.addBaseLayer(map, config);
  L.circleMarker(config.point, { radius: 8, color: "#1b7f3b", weight: 3, fillOpacity: 0.6 }).addTo(map);
  if (config.accuracy) {
    var circle = L.circle(config.point, { radius: config.accuracy, color: "#1b7f3b", weight: 1, fillOpacity: 0.1 })
      .addTo(map);
    map.fitBounds(circle.getBounds(), { maxZoom: 17 });
  }
  element.dataset.ready = "true";
})();
