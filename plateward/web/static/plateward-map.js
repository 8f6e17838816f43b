// The map beside the map searches' forms and results (Leaflet, served from this server).
// Everything it shows is also in the page as text: the form's typed fields, the results table.
"use strict";
(function () {
  var holder = document.getElementById("map");
  var source = document.getElementById("map-data");
  if (!holder || !source || typeof L === "undefined") return;
  var data = JSON.parse(source.textContent);
  holder.classList.add("map");
  var map = L.map(holder, { keyboard: true, zoomControl: true, attributionControl: !!data.tiles });
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution || "" }).addTo(map);
  } else {
    holder.classList.add("map-plain");
  }
  function shapePointsOf(shape) {
    if (!shape) return [];
    var points = (shape.circles || []).map(function (c) { return [c[0], c[1]]; });
    return points.concat(shape.polygon || []);
  }
  function fit(reads) {
    var focus = reads.map(function (r) { return [r.lat, r.lon]; }).concat(shapePointsOf(data.shape));
    if (focus.length === 0) focus = (data.sites || []).map(function (s) { return [s.lat, s.lon]; });
    if (focus.length) map.fitBounds(L.latLngBounds(focus).pad(0.15), { maxZoom: 16 });
    else map.setView([0, 0], 2);
  }
  fit([]);
  var overlay = L.layerGroup().addTo(map);
  (data.sites || []).forEach(function (site) {
    L.circleMarker([site.lat, site.lon], { radius: 5, color: "#555", weight: 1, fillColor: "#999", fillOpacity: 0.8 })
      .bindTooltip("Camera " + site.code + " (" + site.name + ")").addTo(map);
  });
  function drawShape(shape, layer) {
    if (!shape) return;
    (shape.circles || []).forEach(function (c) {
      L.circle([c[0], c[1]], { radius: c[2], color: "#b05000", weight: 2, fillOpacity: 0.08 }).addTo(layer);
    });
    if (shape.polygon && shape.polygon.length) {
      L.polygon(shape.polygon, { color: "#b05000", weight: 2, fillOpacity: 0.08 }).addTo(layer);
    }
  }
  drawShape(data.shape, overlay);
  var markers = {};
  var drawnPoints = [];
  function drawReads(reads) {
    reads.forEach(function (read) {
      var marker = L.circleMarker([read.lat, read.lon], { radius: 6, color: "#0b3d91", weight: 2, fillColor: "#2f7de1", fillOpacity: 0.8 })
        .bindTooltip(read.plate + " · " + read.at + " · " + read.camera).addTo(map);
      marker.on("click", function () {
        var row = document.getElementById("read-" + read.id);
        if (row) { row.scrollIntoView({ block: "center" }); select(read.id); }
      });
      markers[read.id] = marker;
      drawnPoints.push(read);
    });
  }
  function finish() {
    if (data.shape && data.shape.path && drawnPoints.length > 1) {
      L.polyline(drawnPoints.map(function (r) { return [r.lat, r.lon]; }), { color: "#0b3d91", weight: 2, dashArray: "4 4" }).addTo(map);
    }
    fit(drawnPoints);
    holder.setAttribute("data-reads-drawn", String(drawnPoints.length));
  }
  // A result's reads come in their own requests, a few hundred at a time, so the table paints
  // without waiting for them and the first points show while the rest are on their way.
  if (data.points) {
    var status = document.createElement("p");
    status.className = "hint";
    status.setAttribute("role", "status");
    status.textContent = "Drawing " + data.count + " read(s) on the map…";
    holder.insertAdjacentElement("afterend", status);
    holder.setAttribute("aria-busy", "true");
    var fetchFrom = function (url) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("the server answered " + response.status);
          return response.json();
        })
        .then(function (body) {
          drawReads(body.reads);
          if (body.next) {
            if (drawnPoints.length === body.reads.length) fit(drawnPoints);
            return fetchFrom(body.next);
          }
          return null;
        });
    };
    fetchFrom(data.points)
      .then(function () {
        finish();
        status.textContent = drawnPoints.length + " read(s) on the map.";
      })
      .catch(function (error) {
        finish();
        status.textContent = "Not every read could be drawn on the map (" + error.message + "); the table lists them all.";
      })
      .finally(function () { holder.removeAttribute("aria-busy"); });
  }
  function select(id) {
    document.querySelectorAll("tr.selected").forEach(function (tr) { tr.classList.remove("selected"); });
    var row = document.getElementById("read-" + id);
    if (row) row.classList.add("selected");
    Object.keys(markers).forEach(function (key) { markers[key].setStyle({ color: key === id ? "#c00000" : "#0b3d91" }); });
  }
  document.querySelectorAll("tr[data-read]").forEach(function (row) {
    row.addEventListener("focusin", function () { select(row.getAttribute("data-read")); });
    row.addEventListener("mouseenter", function () { select(row.getAttribute("data-read")); });
  });

  // Forms: a click on the map fills the fields the form marks, and the shape follows the fields.
  var form = document.querySelector("form[data-map-form]");
  if (!form) return;
  var preview = L.layerGroup().addTo(map);
  var active = 1;
  function field(name) { return form.querySelector("[name='" + name + "']"); }
  function number(name) { var f = field(name); return f && f.value.trim() !== "" ? parseFloat(f.value) : NaN; }
  function polygonMode() { var s = form.querySelector("input[name=shape]:checked"); return s && s.value === "polygon"; }
  function redraw() {
    preview.clearLayers();
    var circles = [];
    var suffixes = form.hasAttribute("data-areas") ? ["1", "2", "3", "4"] : [""];
    suffixes.forEach(function (s) {
      var lat = number("latitude" + s), lon = number("longitude" + s), r = number("radius_m" + s);
      if (!isNaN(lat) && !isNaN(lon) && !isNaN(r)) circles.push([lat, lon, r]);
    });
    var shape = { circles: polygonMode() ? [] : circles };
    var vertices = field("vertices");
    if (polygonMode() && vertices) {
      shape.polygon = vertices.value.split(/\n|;/).map(function (line) {
        var p = line.split(/[\s,]+/).filter(Boolean).map(parseFloat);
        return p.length === 2 && !isNaN(p[0]) && !isNaN(p[1]) ? p : null;
      }).filter(Boolean);
    }
    drawShape(shape, preview);
  }
  form.querySelectorAll("fieldset[data-area]").forEach(function (set) {
    set.addEventListener("focusin", function () { active = parseInt(set.getAttribute("data-area"), 10); });
  });
  map.on("click", function (event) {
    var lat = event.latlng.lat.toFixed(6), lon = event.latlng.lng.toFixed(6);
    if (polygonMode()) {
      var v = field("vertices");
      v.value = (v.value.trim() ? v.value.trim() + "\n" : "") + lat + ", " + lon;
    } else {
      var s = form.hasAttribute("data-areas") ? String(active) : "";
      field("latitude" + s).value = lat;
      field("longitude" + s).value = lon;
    }
    redraw();
  });
  form.addEventListener("input", redraw);
  redraw();
})();
