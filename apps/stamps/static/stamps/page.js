/* Product page: origin map (vector layers drawn and fitted even when tiles do not load) and "where to buy". */
(function () {
  "use strict";
  var script = document.currentScript;
  var mapElement = document.getElementById("origin-map");
  var data = document.getElementById("origin-features");
  if (mapElement && data && window.L) {
    var features = JSON.parse(data.textContent);
    var map = L.map(mapElement, {scrollWheelZoom: false});
    if (mapElement.dataset.tiles) {
      L.tileLayer(mapElement.dataset.tiles, {maxZoom: 19, attribution: mapElement.dataset.attribution,
        referrerPolicy: "strict-origin-when-cross-origin"}).addTo(map);
    }
    var colours = {zone: "#2e7d32", packing: "#1565c0", production: "#6a1b9a"};
    var layer = L.geoJSON(features, {
      style: function () { return {color: colours.zone, weight: 2, fillOpacity: 0.25}; },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {radius: 7, color: colours[feature.properties.kind] || "#333", fillOpacity: 0.8});
      },
      onEachFeature: function (feature, item) {
        var text = feature.properties.name + (feature.properties.codes ? " — " + feature.properties.codes : "");
        var label = document.createElement("span");
        label.textContent = text;
        item.bindPopup(label);
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, {padding: [16, 16], maxZoom: 15}); }
    else { map.setView([12.71, 108.24], 8); }
  }
  var button = document.getElementById("share-location");
  var list = document.getElementById("where-to-buy-list");
  var url = script && script.dataset.whereToBuy;
  if (button && list && url && navigator.geolocation) {
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (position) {
        var query = "?lat=" + position.coords.latitude.toFixed(2) + "&lon=" + position.coords.longitude.toFixed(2);
        fetch(url + query, {credentials: "same-origin"}).then(function (response) {
          return response.ok ? response.text() : Promise.reject(response.status);
        }).then(function (html) { list.innerHTML = html; }).catch(function () { button.disabled = false; });
      }, function () { button.disabled = false; }, {maximumAge: 600000, timeout: 15000});
    });
  } else if (button) { button.hidden = true; }
}());
