/* A place page's small map: the place's own features, drawn with the layer styles. */
(function () {
  "use strict";
  var M = window.OcopMap;
  var config = M.readConfig("map-config");
  var element = document.getElementById("place-map");
  var map = L.map(element, { scrollWheelZoom: false });
  M.addBaseLayer(map, config);
  var group = L.featureGroup().addTo(map);
  (config.features || []).forEach(function (feature) {
    var style = config.styles[feature.properties._layer || config.layer];
    M.geoJsonLayer(style, feature, null, false).addTo(group);
  });
  if (group.getLayers().length) {
    map.fitBounds(group.getBounds(), { maxZoom: 15, padding: [20, 20] });
  } else {
    map.setView(config.center, config.zoom);
  }
  element.dataset.ready = "true";
})();
