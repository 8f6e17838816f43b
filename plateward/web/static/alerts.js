// The alert console's live list: alerts from the server-sent events stream appear at the top
// of the table as they are raised, and are announced to screen readers. The page works
// without this script (a reload shows new alerts); nothing here is needed to act on one.
(function () {
  "use strict";
  var rows = document.getElementById("alert-rows");
  if (!rows || !window.EventSource) { return; }
  var status = document.getElementById("live-status");
  var announce = document.getElementById("announce");
  var source = new EventSource("/api/v1/alerts/stream?after=" + encodeURIComponent(rows.dataset.lastId || "0"));
  var zone = rows.dataset.timeZone || "UTC";
  var shown = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", second: "2-digit", hour12: false, timeZoneName: "short"
  });

  // The agency's time, as the server renders it, with the UTC instant on hover.
  function when(iso) {
    var moment = new Date(iso);
    var parts = {};
    shown.formatToParts(moment).forEach(function (part) { parts[part.type] = part.value; });
    var time = document.createElement("time");
    time.dateTime = moment.toISOString();
    time.title = moment.toISOString().slice(0, 19).replace("T", " ") + " UTC";
    time.textContent = parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" +
      parts.minute + ":" + parts.second + " " + parts.timeZoneName;
    var td = document.createElement("td");
    td.appendChild(time);
    return td;
  }

  function cell(text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    return td;
  }

  source.addEventListener("open", function () {
    status.textContent = "Live: new alerts appear at the top of the list.";
  });
  source.addEventListener("error", function () {
    status.textContent = "Connection lost; reconnecting. Reload the page if this lasts.";
  });
  source.addEventListener("end", function () {
    source.close();
    status.textContent = "Signed out or no longer allowed to receive alerts.";
  });
  source.addEventListener("alert", function (event) {
    var alert = JSON.parse(event.data);
    if (document.getElementById("alert-" + alert.id)) { return; }
    var none = document.getElementById("no-alerts");
    if (none) { none.remove(); }
    var tr = document.createElement("tr");
    tr.id = "alert-" + alert.id;
    tr.className = "priority-" + alert.priority + " new";
    tr.appendChild(when(alert.raised_at));
    tr.appendChild(cell(alert.plate, "plate"));
    tr.appendChild(cell(alert.reason_label));
    tr.appendChild(cell(alert.list));
    tr.appendChild(cell(alert.camera));
    tr.appendChild(cell(alert.status.replace(/_/g, " "), "status"));
    var open = document.createElement("td");
    var link = document.createElement("a");
    link.href = "/alerts/" + alert.id;
    link.textContent = "Open";
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " alert " + alert.id;
    link.appendChild(hidden);
    open.appendChild(link);
    tr.appendChild(open);
    rows.insertBefore(tr, rows.firstChild);
    announce.textContent = "New alert: " + alert.plate + ", " + alert.reason_label + ", at " + alert.camera;
  });
})();
