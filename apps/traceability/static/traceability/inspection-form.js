/* The inspection-visit form on a phone: GPS point (or a tap on the map, or typed coordinates), target search and
 * "nearest to my position", photo previews, sending without losing the chosen photos on an error, and drafts kept on
 * the phone while offline (inspection-drafts.js). The form still works without this script (plain POST). */
(function () {
  "use strict";
  var M = window.OcopMap;
  var D = window.OcopInspectionDrafts;
  var config = M.readConfig("inspection-config");
  var text = config.text || {};
  var form = document.getElementById("inspection-form");
  var fields = {
    latitude: form.elements.latitude, longitude: form.elements.longitude, accuracy: form.elements.accuracy,
    source: form.elements.location_source, photos: form.elements.photos, key: form.elements.submission_key,
  };
  var statusBox = document.getElementById("form-status");
  var gpsStatus = document.getElementById("gps-status");
  var results = document.getElementById("target-results");
  var searchNote = document.getElementById("search-note");
  var saveButton = document.getElementById("save-button");

  function format(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (all, name) {
      return values[name] !== undefined ? values[name] : all;
    });
  }

  function setStatus(message, kind) {
    statusBox.textContent = message || "";
    statusBox.className = "form-status" + (kind ? " " + kind : "");
  }

  // --- the map and the point --------------------------------------------------------------------------------------

  var mapElement = document.getElementById("inspection-map");
  var map = L.map(mapElement, { scrollWheelZoom: false }).setView(config.center, config.zoom);
  M.addBaseLayer(map, config);
  var marker = null;
  var accuracyCircle = null;

  function showPoint(lat, lon, accuracy) {
    var where = [lat, lon];
    if (!marker) {
      marker = L.circleMarker(where, { radius: 8, color: "#1b7f3b", weight: 3, fillOpacity: 0.6 }).addTo(map);
    } else {
      marker.setLatLng(where);
    }
    if (accuracyCircle) {
      map.removeLayer(accuracyCircle);
      accuracyCircle = null;
    }
    if (accuracy) {
      accuracyCircle = L.circle(where, { radius: accuracy, color: "#1b7f3b", weight: 1, fillOpacity: 0.1 })
        .addTo(map);
      map.fitBounds(accuracyCircle.getBounds(), { maxZoom: 17 });
    } else if (map.getZoom() < 15) {
      map.setView(where, 16);
    }
  }

  /* Set the point from the GPS ("gps", with its accuracy), a tap on the map ("map") or typing ("manual"). */
  function setPosition(lat, lon, source, accuracy) {
    if (source !== "manual") {
      fields.latitude.value = lat.toFixed(7);
      fields.longitude.value = lon.toFixed(7);
    }
    fields.source.value = source;
    fields.accuracy.value = source === "gps" && accuracy ? String(Math.round(accuracy * 10) / 10) : "";
    showPoint(lat, lon, source === "gps" ? accuracy : null);
  }

  map.on("click", function (event) {
    stopWatching();
    setPosition(event.latlng.lat, event.latlng.lng, "map");
    gpsStatus.textContent = text.pickedOnMap;
    gpsStatus.className = "gps-status ok";
  });

  function typedNumber(input) {
    var value = parseFloat(String(input.value).replace(",", "."));
    return isFinite(value) ? value : null;
  }

  [fields.latitude, fields.longitude].forEach(function (input) {
    input.addEventListener("input", function () {
      stopWatching();
      var lat = typedNumber(fields.latitude);
      var lon = typedNumber(fields.longitude);
      fields.source.value = "manual";
      fields.accuracy.value = "";
      if (lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
        setPosition(lat, lon, "manual");
        gpsStatus.textContent = text.typed;
        gpsStatus.className = "gps-status ok";
      }
    });
  });

  // --- GPS ---------------------------------------------------------------------------------------------------------

  var watchId = null;
  var watchTimer = null;
  var bestAccuracy = Infinity;
  var GOOD_ENOUGH_M = 15;
  var POOR_M = 100;

  function stopWatching() {
    if (watchId !== null) navigator.geolocation.clearWatch(watchId);
    if (watchTimer) clearTimeout(watchTimer);
    watchId = null;
    watchTimer = null;
  }

  function locate() {
    if (!navigator.geolocation) {
      gpsStatus.textContent = text.noGeolocation;
      gpsStatus.className = "gps-status error";
      return;
    }
    stopWatching();
    bestAccuracy = Infinity;
    gpsStatus.textContent = text.locating;
    gpsStatus.className = "gps-status";
    watchId = navigator.geolocation.watchPosition(function (position) {
      var accuracy = position.coords.accuracy;
      if (accuracy > bestAccuracy) return;  // keep the best fix of this round
      bestAccuracy = accuracy;
      setPosition(position.coords.latitude, position.coords.longitude, "gps", accuracy);
      var metres = Math.round(accuracy);
      gpsStatus.textContent = format(accuracy > POOR_M ? text.poorFix : text.located, { metres: metres });
      gpsStatus.className = "gps-status " + (accuracy > POOR_M ? "poor" : "ok");
      if (accuracy <= GOOD_ENOUGH_M) stopWatching();
    }, function (error) {
      stopWatching();
      if (fields.source.value === "gps" && fields.latitude.value) return;  // keep the fix already taken
      gpsStatus.textContent = error.code === 1 ? text.denied : text.noGeolocation;
      gpsStatus.className = "gps-status error";
    }, { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
    watchTimer = setTimeout(stopWatching, 90000);  // the battery matters in the field
  }

  var locateButton = document.getElementById("locate-button");
  if (navigator.geolocation) {
    locateButton.hidden = false;
    locateButton.addEventListener("click", locate);
  }
  var initialLat = typedNumber(fields.latitude);
  var initialLon = typedNumber(fields.longitude);
  if (initialLat !== null && initialLon !== null) {
    showPoint(initialLat, initialLon, parseFloat(fields.accuracy.value) || null);  // the point of a refused POST
  } else {
    locate();
  }

  // --- what was inspected ------------------------------------------------------------------------------------------

  function checkedTarget() {
    return results.querySelector("input[name=target]:checked");
  }

  function choiceItem(item, checked) {
    var li = document.createElement("li");
    var label = document.createElement("label");
    label.className = "target-choice";
    var input = document.createElement("input");
    input.type = "radio";
    input.name = "target";
    input.value = item.value;
    input.setAttribute("form", "inspection-form");
    input.checked = !!checked;
    label.appendChild(input);
    [["target-kind", item.kind_label], ["target-name", item.name], ["target-detail", item.detail],
     ["target-distance", item.distance_m === null || item.distance_m === undefined ? "" :
       item.distance_m < 1000 ? format(text.metres, { metres: item.distance_m })
         : format(text.kilometres, { km: (item.distance_m / 1000).toFixed(1) })]].forEach(function (part) {
      if (!part[1]) return;
      var span = document.createElement(part[0] === "target-kind" || part[0] === "target-name" ? "span" : "small");
      span.className = part[0];
      span.textContent = part[1];
      label.appendChild(span);
    });
    li.appendChild(label);
    return li;
  }

  function showResults(items, note) {
    var chosen = checkedTarget();
    var keep = chosen ? chosen.closest("li") : null;
    results.textContent = "";
    if (keep) results.appendChild(keep);
    items.forEach(function (item) {
      if (!chosen || item.value !== chosen.value) results.appendChild(choiceItem(item, false));
    });
    searchNote.textContent = note || (items.length ? "" : text.noResult);
  }

  function findTargets(params) {
    searchNote.textContent = text.searching;
    var url = config.targetsUrl + "?" + new URLSearchParams(params).toString();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) { showResults(body.results || [], body.note); },
            function () { searchNote.textContent = text.network; });
  }

  var searchForm = document.getElementById("target-search");
  searchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    findTargets({ q: searchForm.elements.q.value, kind: searchForm.elements.kind.value });
  });

  var nearestButton = document.getElementById("nearest-button");
  nearestButton.hidden = false;
  nearestButton.addEventListener("click", function () {
    var lat = typedNumber(fields.latitude);
    var lon = typedNumber(fields.longitude);
    if (lat === null || lon === null) {
      searchNote.textContent = text.needPosition;
      locate();
      return;
    }
    findTargets({ lat: lat, lon: lon, kind: searchForm.elements.kind.value });
  });

  // --- photos ------------------------------------------------------------------------------------------------------

  var previews = document.getElementById("photo-previews");

  function showPhotos() {
    previews.textContent = "";
    var problems = [];
    var files = Array.prototype.slice.call(fields.photos.files || []);
    if (files.length > config.maxPhotos) problems.push(text.tooManyPhotos);
    files.forEach(function (file) {
      if (file.size > config.maxPhotoBytes) {
        problems.push(format(text.photoTooLarge, { name: file.name,
                                                   limit: Math.round(config.maxPhotoBytes / 1048576) }));
      }
      var li = document.createElement("li");
      if (/^image\//.test(file.type)) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        li.appendChild(img);
      } else {
        li.textContent = file.name;
      }
      previews.appendChild(li);
    });
    showErrors({ photos: problems }, false);
  }
  fields.photos.addEventListener("change", showPhotos);

  // --- errors and sending ------------------------------------------------------------------------------------------

  function showErrors(errors, clearOthers) {
    document.querySelectorAll("[data-errors-for]").forEach(function (list) {
      var name = list.getAttribute("data-errors-for");
      if (!clearOthers && !(name in errors)) return;
      list.textContent = "";
      (errors[name] || []).forEach(function (message) {
        var li = document.createElement("li");
        li.textContent = message;
        list.appendChild(li);
      });
      var field = list.closest(".field");
      if (field) field.classList.toggle("has-error", (errors[name] || []).length > 0);
    });
    if (errors.latitude || errors.longitude) document.getElementById("coordinates").open = true;
  }

  function csrfToken() {
    return form.elements.csrfmiddlewaretoken.value;
  }

  var drafts = new D.Drafts({ storeKey: config.draftKey, postUrl: form.action, csrfToken: csrfToken });

  function targetLabel() {
    var chosen = checkedTarget();
    if (!chosen) return "";
    var label = chosen.closest("label");
    var name = label.querySelector(".target-name");
    var kind = label.querySelector(".target-kind");
    return (kind ? kind.textContent + ": " : "") + (name ? name.textContent : chosen.value);
  }

  function startNextVisit() {
    var keep = { inspector_name: form.elements.inspector_name.value, organisation: form.elements.organisation.value,
                 inspected_on: form.elements.inspected_on.value };
    form.reset();
    Object.keys(keep).forEach(function (name) { form.elements[name].value = keep[name]; });
    fields.key.value = D.newKey();  // the next visit is another inspection
    results.textContent = "";
    previews.textContent = "";
    if (marker) map.removeLayer(marker);
    if (accuracyCircle) map.removeLayer(accuracyCircle);
    marker = null;
    accuracyCircle = null;
    locate();
  }

  function keepOffline() {
    var label = targetLabel();
    return drafts.fromForm(form, label).then(function (draft) {
      var outcome = drafts.save(draft);
      if (outcome === "failed") {
        setStatus(text.notSaved, "error");
        return;
      }
      setStatus(outcome === "saved" ? text.savedOffline : text.savedOfflineNoPhotos, "offline");
      startNextVisit();
      renderDrafts();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (saveButton.disabled) return;
    saveButton.disabled = true;
    setStatus(text.sending, "");
    var done = function () { saveButton.disabled = false; };
    if (navigator.onLine === false) {
      keepOffline().then(done, done);
      return;
    }
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; },
          function () {  // an answer that is not ours (a proxy, a server error page)
            return { status: response.status,
                     body: { saved: false, errors: { __all__: [format(text.serverError,
                                                                      { status: response.status })] } } };
          });
      }, function () { return null; })
      .then(function (answer) {
        if (answer === null) {  // no answer at all: the network is gone, keep the visit on the phone
          keepOffline().then(done, done);
          return;
        }
        if (answer.body.saved) {
          drafts.remove(fields.key.value);
          window.location.assign(answer.body.url + "?saved=1");
          return;
        }
        var errors = answer.body.errors || {};
        showErrors(errors, true);
        setStatus(errors.__all__ && Object.keys(errors).length === 1 ? errors.__all__[0] : text.fixErrors, "error");
        done();
      });
  });

  // --- drafts kept on the phone ------------------------------------------------------------------------------------

  var draftsBox = document.getElementById("drafts");

  function button(label, action) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    element.addEventListener("click", action);
    return element;
  }

  function renderDrafts(message) {
    var list = drafts.list();
    draftsBox.textContent = "";
    draftsBox.hidden = list.length === 0 && !message;
    if (message) {
      var note = document.createElement("p");
      note.textContent = message;
      draftsBox.appendChild(note);
    }
    if (!list.length) return;
    var heading = document.createElement("p");
    heading.textContent = format(text.draftsWaiting, { count: list.length });
    draftsBox.appendChild(heading);
    var items = document.createElement("ul");
    list.forEach(function (draft) {
      var li = document.createElement("li");
      var title = document.createElement("span");
      title.textContent = (draft.fields.inspected_on || "") + " · " + (draft.label || draft.fields.target || "");
      li.appendChild(title);
      li.appendChild(button(text.openDraft, function () { openDraft(draft.key); }));
      li.appendChild(button(text.discardDraft, function () {
        if (window.confirm(text.confirmDiscard)) {
          drafts.remove(draft.key);
          renderDrafts();
        }
      }));
      if (draft.errors) {
        var refused = document.createElement("small");
        refused.className = "refused";
        refused.textContent = format(text.draftRefused, { target: draft.label || "" });
        li.appendChild(refused);
      }
      items.appendChild(li);
    });
    draftsBox.appendChild(items);
    if (list.some(function (draft) { return !draft.errors; })) {
      draftsBox.appendChild(button(text.sendNow, sendDrafts));
    }
  }

  function openDraft(key) {
    var draft = drafts.find(key);
    if (!draft) return;
    form.reset();
    Object.keys(draft.fields).forEach(function (name) {
      var value = draft.fields[name];
      if (name === "target") {
        showResults([], "");
        results.textContent = "";
        var parts = (draft.label || "").split(": ");
        results.appendChild(choiceItem({ value: value, kind_label: parts.length > 1 ? parts[0] : "",
                                         name: parts.length > 1 ? parts.slice(1).join(": ") : draft.label,
                                         detail: "" }, true));
        return;
      }
      var element = form.elements[name];  // a radio group (the result) takes its value the same way
      if (element) element.value = value;
    });
    stopWatching();
    var lat = typedNumber(fields.latitude);
    var lon = typedNumber(fields.longitude);
    if (lat !== null && lon !== null) showPoint(lat, lon, parseFloat(fields.accuracy.value) || null);
    var files = draft.photos && draft.photos.length ? D.asFileList(draft.photos) : null;
    if (files) fields.photos.files = files;
    showPhotos();
    showErrors(draft.errors || {}, true);
    setStatus(draft.errors ? text.fixErrors : "", draft.errors ? "error" : "");
    form.scrollIntoView();
  }

  function sendDrafts() {
    if (navigator.onLine === false) return Promise.resolve();
    var messages = [];
    return drafts.sendAll(function (event, draft) {
      if (event === "sent") messages.push(format(text.draftSent, { target: draft.label }));
      if (event === "refused") messages.push(format(text.draftRefused, { target: draft.label }));
      if (event === "login") messages.push(text.draftLogin);
    }).then(function () { renderDrafts(messages.join(" ")); });
  }

  window.addEventListener("online", sendDrafts);
  renderDrafts();
  sendDrafts();

  mapElement.dataset.ready = "true";
  window.ocopInspectionForm = { map: map, setPosition: setPosition, drafts: drafts, sendDrafts: sendDrafts,
                                openDraft: openDraft, locate: locate };
})();
