/* The demo host's side of embedding: it listens to sharewise's postMessage events (only from the iframe it
   opened, and only from its own origin, where this demo serves sharewise), resizes the iframe, and refreshes
   the list of received records after a submission. */
(function () {
  "use strict";
  var frame = document.getElementById("sharewise-frame");
  var events = document.getElementById("demo-events");
  var received = document.getElementById("demo-received");
  var sharewiseOrigin = frame ? new URL(frame.src).origin : null;

  function refreshReceived() {
    fetch("/demo/received", { credentials: "same-origin" }).then(function (reply) { return reply.json(); }).then(function (items) {
      if (!items.length) { return; }
      received.innerHTML = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.setAttribute("data-record", item.id);
        var strong = document.createElement("strong");
        strong.textContent = item.form;
        li.appendChild(strong);
        li.appendChild(document.createTextNode(" · " + (item.decision || "recorded") + (item.review_required ? " · review needed" : "") + " · " + item.received_at));
        li.appendChild(document.createElement("br"));
        var code = document.createElement("code");
        code.textContent = item.id;
        li.appendChild(code);
        received.appendChild(li);
      });
    });
  }

  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== sharewiseOrigin) { return; }
    var data = event.data || {};
    if (data.source !== "sharewise") { return; }
    if (data.type === "resized" && data.height) { frame.style.height = (data.height + 20) + "px"; return; }
    var li = document.createElement("li");
    li.setAttribute("data-event", data.type);
    li.textContent = data.type + (data.record_id ? " — record " + data.record_id : "") + (data.draft_id ? " — draft saved" : "");
    events.insertBefore(li, events.firstChild);
    while (events.children.length > 8) { events.removeChild(events.lastChild); }  // the latest few, newest first
    if (data.type === "submitted") {
      var tries = 0;
      var timer = setInterval(function () {
        tries += 1;
        refreshReceived();
        if (tries > 20 || received.querySelector("[data-record='" + data.record_id + "']")) { clearInterval(timer); }
      }, 1000);
    }
  });
}());
