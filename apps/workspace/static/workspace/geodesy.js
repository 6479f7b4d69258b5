/* Areas on the WGS 84 ellipsoid for the zone editor's live read-out, in square metres.
 *
 * Each vertex is projected with Lambert's cylindrical EQUAL-AREA projection of the ellipsoid
 * (x = a·λ, y = a·q(φ)/2, q the authalic function), where the plane's shoelace area equals the area on the
 * ellipsoid. Edges are straight in that projection rather than geodesics: for zones of a few kilometres the
 * difference is far below 0.1 %, so this agrees with PostGIS's ST_Area(geography) the server stores.
 * No spherical approximation: a sphere of radius a overestimates areas near Đắk Lắk by about 0.3 %. */
(function (global) {
  "use strict";
  var A = 6378137.0, E2 = 0.00669437999014, E = Math.sqrt(E2), RAD = Math.PI / 180;

  function authalic(phi) {
    var s = Math.sin(phi);
    return (1 - E2) * (s / (1 - E2 * s * s) - Math.log((1 - E * s) / (1 + E * s)) / (2 * E));
  }

  /* |area| of one ring of [lon, lat] pairs (closed or not). */
  function ringArea(ring) {
    var n = ring.length;
    if (n < 3) return 0;
    var sum = 0;
    for (var i = 0; i < n; i++) {
      var p = ring[i], q = ring[(i + 1) % n];
      var x1 = A * p[0] * RAD, y1 = A * authalic(p[1] * RAD) / 2;
      var x2 = A * q[0] * RAD, y2 = A * authalic(q[1] * RAD) / 2;
      sum += x1 * y2 - x2 * y1;
    }
    return Math.abs(sum / 2);
  }

  /* Area of a GeoJSON Polygon or MultiPolygon geometry: outer rings less their holes. */
  function geometryArea(geometry) {
    if (!geometry) return 0;
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] :
      geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    return polygons.reduce(function (total, rings) {
      return total + rings.reduce(function (area, ring, index) {
        return index === 0 ? area + ringArea(ring) : area - ringArea(ring);
      }, 0);
    }, 0);
  }

  global.OcopGeodesy = { ringArea: ringArea, geometryArea: geometryArea };
})(window);
