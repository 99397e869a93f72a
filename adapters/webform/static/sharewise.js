/* sharewise embedded form: enhancements only (everything works without this script).
   - conditional reveal of simple follow-ups (GOV.UK radios/checkboxes pattern)
   - the error summary takes focus; its links move focus to the field
   - events to the host page by postMessage, only to the host's registered origins:
     ready, saved (draft id), submitted (record id), resized (height). No personal data is sent. */
(function () {
  "use strict";
  var body = document.body;
  document.documentElement.className += " js-enabled";
  body.className += " js-enabled";

  // Conditional reveal
  function syncConditional(input) {
    var target = input.getAttribute("data-aria-controls");
    if (!target) { return; }
    var panel = document.getElementById(target);
    if (!panel) { return; }
    // aria-controls only: aria-expanded is not allowed on a radio or checkbox (axe aria-allowed-attr);
    // the revealed questions follow the option in reading order, so screen readers meet them next
    input.setAttribute("aria-controls", target);
    var kind = input.type === "radio" ? "radios" : "checkboxes";
    panel.classList.toggle("govuk-" + kind + "__conditional--hidden", !input.checked);
  }
  var inputs = document.querySelectorAll("input[type=radio], input[type=checkbox]");
  Array.prototype.forEach.call(inputs, function (input) {
    syncConditional(input);
    input.addEventListener("change", function () {
      if (input.type === "radio") {
        var group = document.querySelectorAll("input[type=radio][name='" + input.name + "']");
        Array.prototype.forEach.call(group, syncConditional);
      } else {
        syncConditional(input);
      }
    });
  });

  // Error summary: focus it; its links focus the field and show its question
  var summary = document.querySelector(".govuk-error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link || link.getAttribute("href").charAt(0) !== "#") { return; }
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) { return; }
      event.preventDefault();
      var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
      (legend || field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  // Printing the confirmation
  Array.prototype.forEach.call(document.querySelectorAll("[data-sw-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Events to the host: each message goes only to the host's registered origins (the browser drops a
  // message whose target origin is not the parent's, so nothing reaches any other page).
  var origins = (body.getAttribute("data-host-origins") || "").split(" ").filter(Boolean);
  var ancestors = window.location.ancestorOrigins;
  if (ancestors && ancestors.length) {
    // where the browser says who the parent is, message only that origin, and only if it is registered
    origins = origins.indexOf(ancestors[0]) >= 0 ? [ancestors[0]] : [];
  }
  function tell(type, detail) {
    if (window.parent === window || origins.length === 0) { return; }
    var message = { source: "sharewise", type: type, form_id: body.getAttribute("data-form-id") || null };
    Object.keys(detail || {}).forEach(function (key) { message[key] = detail[key]; });
    origins.forEach(function (origin) { window.parent.postMessage(message, origin); });
  }
  tell("ready", {});
  if (body.hasAttribute("data-saved-draft")) { tell("saved", { draft_id: body.getAttribute("data-saved-draft") }); }
  if (body.hasAttribute("data-record-id")) { tell("submitted", { record_id: body.getAttribute("data-record-id") }); }
  var lastHeight = 0;
  function reportHeight() {
    // the body's own height, not the document's: inside an iframe the document is at least as tall as the
    // frame, so it would never report a shorter page
    var style = window.getComputedStyle(body);
    var height = Math.ceil(body.getBoundingClientRect().height + parseFloat(style.marginTop) + parseFloat(style.marginBottom));
    if (height !== lastHeight) { lastHeight = height; tell("resized", { height: height }); }
  }
  if (window.ResizeObserver) { new ResizeObserver(reportHeight).observe(body); }
  reportHeight();
}());
