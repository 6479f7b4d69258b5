/* Inspection drafts kept on the phone (localStorage) while there is no connection, sent when it comes back.
 *
 * A draft is the form's fields plus its photos, shrunk to JPEG (longest side 1600 px) so that several fit in the
 * browser's few megabytes of localStorage; when they do not fit, the draft is kept without its photos and says so.
 * Every draft carries the form's submission key: the server records a key once, so a draft sent twice (two tabs,
 * a lost answer) is one inspection. Drafts are kept per user (the key of the store names the user).
 * No external library; used by inspection-form.js as window.OcopInspectionDrafts.
 */
(function (global) {
  "use strict";

  var MAX_SIDE = 1600;
  var QUALITY = 0.8;

  function Drafts(options) {
    this.storeKey = options.storeKey;
    this.postUrl = options.postUrl;
    this.csrfToken = options.csrfToken;  // a function: the page's current token
    this.sending = false;
  }

  Drafts.prototype.list = function () {
    try {
      var drafts = JSON.parse(global.localStorage.getItem(this.storeKey) || "[]");
      return Array.isArray(drafts) ? drafts : [];
    } catch (error) {
      return [];
    }
  };

  Drafts.prototype.write = function (drafts) {
    global.localStorage.setItem(this.storeKey, JSON.stringify(drafts));
  };

  Drafts.prototype.find = function (key) {
    return this.list().filter(function (draft) { return draft.key === key; })[0] || null;
  };

  Drafts.prototype.remove = function (key) {
    this.write(this.list().filter(function (draft) { return draft.key !== key; }));
  };

  /* Keep (or replace) a draft; resolves "saved", "saved-without-photos" or "failed" (no room at all). */
  Drafts.prototype.save = function (draft) {
    var self = this;
    function store(withPhotos) {
      var copy = Object.assign({}, draft, { photos: withPhotos ? draft.photos : [],
                                            photosDropped: !withPhotos && draft.photos.length > 0 });
      var others = self.list().filter(function (item) { return item.key !== draft.key; });
      self.write(others.concat([copy]));
    }
    try {
      store(true);
      return "saved";
    } catch (error) {
      try {
        store(false);
        return draft.photos.length ? "saved-without-photos" : "saved";
      } catch (again) {
        return "failed";
      }
    }
  };

  /* A draft from the form: its fields (no files, no CSRF token) and its photos, shrunk. */
  Drafts.prototype.fromForm = function (form, label) {
    var data = new FormData(form);
    var fields = {};
    var files = [];
    data.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      if (typeof value !== "string") {
        if (value.size) files.push(value);
        return;
      }
      if (fields[name] === undefined) fields[name] = value;
      else fields[name] = [].concat(fields[name], value);
    });
    return Promise.all(files.map(shrink)).then(function (photos) {
      return { key: fields.submission_key, savedAt: new Date().toISOString(), label: label || "",
               fields: fields, photos: photos, errors: null };
    });
  };

  /* Send every draft in turn; stops at the first network failure or when the session has ended.
   * Calls report(event, draft, detail) with "sent", "refused", "login" or "offline". */
  Drafts.prototype.sendAll = function (report) {
    var self = this;
    if (self.sending) return Promise.resolve();
    self.sending = true;
    var queue = self.list().filter(function (draft) { return !draft.errors; });
    function next() {
      var draft = queue.shift();
      if (!draft) return Promise.resolve();
      return self.send(draft).then(function (outcome) {
        report(outcome.event, draft, outcome.detail);
        return outcome.event === "login" || outcome.event === "offline" ? null : next();
      });
    }
    return next().then(function () { self.sending = false; }, function () { self.sending = false; });
  };

  Drafts.prototype.send = function (draft) {
    var self = this;
    var data = new FormData();
    Object.keys(draft.fields).forEach(function (name) {
      [].concat(draft.fields[name]).forEach(function (value) { data.append(name, value); });
    });
    data.append("csrfmiddlewaretoken", self.csrfToken());
    (draft.photos || []).forEach(function (photo) { data.append("photos", toBlob(photo.dataUrl), photo.name); });
    return fetch(self.postUrl, { method: "POST", body: data, credentials: "same-origin",
                                 headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) return { event: "login" };
        return response.json().then(function (body) {
          if (response.ok && body.saved) {
            self.remove(draft.key);
            return { event: "sent", detail: body };
          }
          var stored = self.find(draft.key);
          if (stored) {
            stored.errors = body.errors || { __all__: [String(response.status)] };
            self.save(stored);
          }
          return { event: "refused", detail: body };
        }, function () {
          return { event: response.status >= 500 ? "offline" : "refused", detail: {} };
        });
      }, function () {
        return { event: "offline" };
      });
  };

  function shrink(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        resolve({ name: file.name.replace(/\.[^.]*$/, "") + ".jpg", type: "image/jpeg",
                  dataUrl: canvas.toDataURL("image/jpeg", QUALITY) });
      };
      image.onerror = function () {  // not decodable here: keep it as it is and let the server judge it
        URL.revokeObjectURL(url);
        var reader = new FileReader();
        reader.onload = function () { resolve({ name: file.name, type: file.type, dataUrl: reader.result }); };
        reader.onerror = function () { resolve({ name: file.name, type: file.type, dataUrl: "data:,"}); };
        reader.readAsDataURL(file);
      };
      image.src = url;
    });
  }

  function toBlob(dataUrl) {
    var parts = dataUrl.split(",");
    var meta = parts[0] || "";
    var type = (meta.match(/^data:([^;]*)/) || [])[1] || "application/octet-stream";
    var body = parts.slice(1).join(",");
    if (meta.indexOf(";base64") < 0) return new Blob([decodeURIComponent(body)], { type: type });
    var bytes = atob(body);
    var buffer = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i += 1) buffer[i] = bytes.charCodeAt(i);
    return new Blob([buffer], { type: type });
  }

  /* Files for an <input type=file> (photos of an opened draft), where the browser allows it. */
  function asFileList(photos) {
    if (typeof DataTransfer === "undefined") return null;
    try {
      var transfer = new DataTransfer();
      photos.forEach(function (photo) {
        transfer.items.add(new File([toBlob(photo.dataUrl)], photo.name, { type: photo.type }));
      });
      return transfer.files;
    } catch (error) {
      return null;
    }
  }

  function newKey() {
    if (global.crypto && global.crypto.randomUUID) return global.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  global.OcopInspectionDrafts = { Drafts: Drafts, asFileList: asFileList, newKey: newKey };
})(window);
